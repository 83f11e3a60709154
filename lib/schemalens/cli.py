"""The ``schemalens`` command.

Exit status: 0 when nothing reaches ``--fail-on``, 1 when findings do, 2 for bad input or usage
(any :class:`~schemalens.errors.SchemalensError` becomes one line on standard error).

Examples::

    schemalens graph data/revos/migrations --format json
    schemalens report data/revos/migrations --manifest data/revos/manifest.yaml
    schemalens report data/revos/migrations --manifest data/revos/manifest.yaml --format sarif -o f.sarif
    schemalens decisions data/revos/migrations --manifest data/revos/manifest.yaml --write sql/
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from schemalens import load_schema, tune_gc
from schemalens.errors import SchemalensError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _write(text: str, output: str | None) -> None:
    if output:
        try:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            Path(output).write_text(text, encoding="utf-8")
        except OSError as e:
            raise SchemalensError(f"cannot write {output}: {e.strerror or e}") from None
    else:
        sys.stdout.write(text)


def cmd_graph(args: argparse.Namespace) -> int:
    from schemalens import report

    schema = load_schema(args.dir)
    writer = {"json": report.graph_json, "mermaid": report.mermaid, "dot": report.dot}[args.format]
    _write(writer(schema), args.output)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from schemalens import report
    from schemalens.compare import analyse

    findings = analyse(args.dir, args.manifest)
    if args.format == "md":
        command = shlex.join(["schemalens", "report", args.dir, "--manifest", args.manifest])
        text = report.markdown(findings, date=args.date, command=command)
    elif args.format == "json":
        text = report.findings_json(findings)
    else:
        text = report.sarif(findings, base=args.base)
    _write(text, args.output)
    return EXIT_FINDINGS if findings.reaching(args.fail_on) else EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from schemalens.findings import Sources
    from schemalens.manifest_init import init_manifest

    _write(init_manifest(load_schema(args.dir), Sources(args.dir)), args.output)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    import os

    from schemalens import report, verify

    options = {"manifest": args.manifest, "history_table": args.history_table, "groups": args.group or ()}
    dsn = args.dsn or ("" if args.built else os.environ.get("DATABASE_URL", "").strip())
    if dsn:
        result = verify.verify_database(args.dir, dsn, connect_timeout=args.connect_timeout, **options)
    else:
        result = verify.verify_built(args.dir, **options)
    if args.format == "md":
        words = ["schemalens", "verify", args.dir] + (["--manifest", args.manifest] if args.manifest else [])
        text = result.markdown(date=args.date, command=shlex.join(words))  # never the DSN: it may hold a password
    elif args.format == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
    else:
        text = report.sarif(result.findings, base=args.base)
    _write(text, args.output)
    return EXIT_FINDINGS if result.findings.reaching(args.fail_on) else EXIT_OK


def cmd_decisions(args: argparse.Namespace) -> int:
    from schemalens.compare import analyse
    from schemalens.decisions import decide
    from schemalens.errors import InputError

    decisions = decide(analyse(args.dir, args.manifest))
    choices = {}
    for item in args.choose or ():
        did, _, key = item.partition("=")
        try:
            decisions[did].option(key)
        except KeyError:
            raise InputError(f"--choose {item}: no such decision and option (decisions: "
                             f"{', '.join(d.id for d in decisions)})") from None
        choices[did] = key
    text = decisions.markdown()
    if choices:
        text += "\n" + decisions.rewrite(choices).markdown()
    rehearsals = None
    if args.rehearse:
        from schemalens.rehearse import rehearse

        rehearsals = rehearse(decisions, args.dir, seed=args.seed or "auto")
        text += "\n" + rehearsals.markdown()
    _write(text, args.output)
    if args.write:
        try:
            written = decisions.write(args.write, choices or None)
        except OSError as e:
            raise SchemalensError(f"cannot write {args.write}: {e.strerror or e}") from None
        print(f"schemalens: wrote {len(written)} files to {args.write}", file=sys.stderr)
    if rehearsals is not None:
        counts = ", ".join(f"{n} {v}" for v, n in rehearsals.counts().items())
        print(f"schemalens: rehearsed {len(rehearsals)} options: {counts}", file=sys.stderr)
        if rehearsals.counts().get("failed"):
            return EXIT_FINDINGS
    return EXIT_OK


def cmd_notebooks(args: argparse.Namespace) -> int:
    from schemalens.errors import InputError
    from schemalens.notebook_reports import write_reports

    notebooks = args.notebook or sorted(Path("notebooks").glob("*.ipynb"))
    if not notebooks:
        raise InputError("no notebook given and none in ./notebooks", "notebooks")
    parameters = {"migrations": args.dir, "manifest": args.manifest}
    for item in args.parameter or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"-p {item}: expected NAME=VALUE")
        parameters[key] = value
    for path in notebooks:
        print(f"schemalens: running {path}", file=sys.stderr)
        written = write_reports([path], args.output, parameters, reveal=args.reveal)
        print(f"schemalens: wrote {', '.join(str(w) for w in written)}", file=sys.stderr)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schemalens",
        description="How the schema your migrations build differs from what your plan assumes.",
        epilog="example: schemalens report data/revos/migrations --manifest data/revos/manifest.yaml",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    g = sub.add_parser(
        "graph",
        help="the foreign-key graph of a migration folder",
        description="The tables, foreign keys and policies the migrations build, with file:line.",
        epilog="example: schemalens graph data/revos/migrations --format mermaid",
    )
    g.add_argument("dir", help="folder of migration files")
    g.add_argument("--format", choices=["json", "mermaid", "dot"], default="json")
    g.add_argument("--output", "-o", help="write to this file instead of standard output")
    g.set_defaults(func=cmd_graph)

    r = sub.add_parser(
        "report",
        help="what the plan assumes against what the migrations build",
        description="Compare a manifest (and its planned documents) with the schema the migrations "
        "build; every finding has file:line evidence and the decision it opens. "
        "Exit 0 when nothing reaches --fail-on, 1 when findings do, 2 for bad input.",
        epilog="example: schemalens report data/revos/migrations --manifest data/revos/manifest.yaml "
        "--format sarif --output findings.sarif",
    )
    r.add_argument("dir", help="folder of migration files")
    r.add_argument("--manifest", "-m", required=True, help="the plan's manifest.yaml")
    r.add_argument("--format", choices=["md", "json", "sarif"], default="md")
    r.add_argument("--output", "-o", help="write to this file instead of standard output")
    r.add_argument(
        "--fail-on",
        choices=["critical", "warning", "never"],
        default="critical",
        help="exit 1 when a finding of this severity or worse exists (default: critical)",
    )
    r.add_argument(
        "--base", default=".", help="SARIF paths are relative to this folder (default: the current one)"
    )
    r.add_argument("--date", help="the report's date (default: today), for reproducible output")
    r.set_defaults(func=cmd_report)

    i = sub.add_parser(
        "init",
        help="a commented manifest that describes the schema, to edit into the plan's assumptions",
        description="Write the manifest that describes what the migrations build (platform, root, hierarchy, "
        "the foreign keys the policies rely on, scoping), each line commented with where it comes from.",
        epilog="example: schemalens init supabase/migrations --output manifest.yaml",
    )
    i.add_argument("dir", help="folder of migration files")
    i.add_argument("--output", "-o", help="write to this file instead of standard output")
    i.set_defaults(func=cmd_init)

    v = sub.add_parser(
        "verify",
        help="a live database against the migrations (read-only)",
        description="Introspect a database through a read-only session and report drift from the migration "
        "files (missing, extra, changed objects with file:line), migrations never applied or unknown to the "
        "folder, and a DSN that points at another Supabase project than the manifest. Without --dsn and "
        "DATABASE_URL (or with --built), a throwaway database is built from the files and verified. "
        "Exit 0 when nothing reaches --fail-on, 1 when findings do, 2 for bad input or an unreachable database.",
        epilog="example: DATABASE_URL=postgresql://reader@db.<ref>.supabase.co:5432/postgres "
        "schemalens verify data/revos/migrations --manifest data/revos/manifest.yaml "
        "(prefer DATABASE_URL, PGPASSWORD or ~/.pgpass to a password on the command line)",
    )
    v.add_argument("dir", help="folder of migration files")
    v.add_argument("--dsn", help="the database to verify (default: DATABASE_URL); opened read-only")
    v.add_argument("--built", action="store_true",
                   help="ignore DATABASE_URL as a target: build a throwaway database from the files and verify it")
    v.add_argument("--manifest", "-m", help="the plan's manifest.yaml (its project_ref is checked)")
    v.add_argument("--format", choices=["md", "json", "sarif"], default="md")
    v.add_argument("--output", "-o", help="write to this file instead of standard output")
    v.add_argument("--fail-on", choices=["critical", "warning", "never"], default="critical",
                   help="exit 1 when a finding of this severity or worse exists (default: critical)")
    v.add_argument("--history-table", help="the migration history table (default: the first of "
                   "supabase_migrations.schema_migrations, schema_migrations, flyway_schema_history, "
                   "__diesel_schema_migrations that exists)")
    v.add_argument("--group", action="append", metavar="PATTERN",
                   help="a LIKE pattern of table names to list present/missing (repeatable; default: groups of "
                   "alike tables, e.g. %%cartridges%%)")
    v.add_argument("--connect-timeout", type=float, default=10.0, help="seconds to wait for the connection "
                   "(default: 10)")
    v.add_argument("--base", default=".", help="SARIF paths are relative to this folder (default: the current one)")
    v.add_argument("--date", help="the report's date (default: today), for reproducible output")
    v.set_defaults(func=cmd_verify)

    d = sub.add_parser(
        "decisions",
        help="every way out of the findings, as SQL: forward, rollback, preflight, risks, impact",
        description="The decisions the findings open, each option with up/down/preflight SQL, the locks each "
        "statement takes, risks and impact. --write writes sql/<decision>/<option>/{up,down,preflight}.sql "
        "(and validate.sql where a later step is needed), a README.md per decision, and the planned documents "
        "rewritten for the recommended options (or those given with --choose). --rehearse runs every option "
        "on its own throwaway PostgreSQL database (embedded, or DATABASE_URL's server) built from the files and "
        "the seed rows: preflight, forward, later scripts, rollback, with the catalog and the rows compared. "
        "Exit 0; 1 when a rehearsed option failed (a refusal its preflight predicted is not a failure); "
        "2 for bad input.",
        epilog="example: schemalens decisions data/revos/migrations --manifest data/revos/manifest.yaml "
        "--write sql/ --choose root-entity=B --choose proposed-hierarchy=A",
    )
    d.add_argument("dir", help="folder of migration files")
    d.add_argument("--manifest", "-m", required=True, help="the plan's manifest.yaml")
    d.add_argument("--write", metavar="FOLDER", help="write the SQL files and READMEs into this folder")
    d.add_argument("--choose", action="append", metavar="DECISION=OPTION",
                   help="the option picked for a decision (repeatable): the planned documents are rewritten for "
                   "the picks and their diffs printed (default for --write: the recommended options)")
    d.add_argument("--output", "-o", help="write the Markdown to this file instead of standard output")
    d.add_argument("--rehearse", action="store_true",
                   help="prove every option on a throwaway database and append the rehearsals to the Markdown")
    d.add_argument("--seed", metavar="FILE", help="rows to rehearse with (default: seed.sql beside the "
                   "migrations folder, as Supabase keeps it, if there is one)")
    d.set_defaults(func=cmd_decisions)

    n = sub.add_parser(
        "notebooks",
        help="run the notebooks on a migration folder and export them: HTML, meeting HTML, slides",
        description="Run each notebook with papermill (parameters migrations=DIR and manifest=FILE, paths as "
        "seen from the current folder) and write into --output: NAME.ipynb (executed), NAME.html (with code), "
        "NAME.meeting.html (without code) and, for 3.0-decisions, NAME.slides.html (reveal.js). Exit 0, or 2 "
        "when a notebook is missing or one of its cells fails (named, with the error).",
        epilog="example: schemalens notebooks data/acme/migrations notebooks/3.0-decisions.ipynb "
        "--manifest data/acme/manifest.yaml --output reports/notebooks (the notebooks follow DIR)",
    )
    n.add_argument("dir", help="folder of migration files (the notebooks' migrations parameter)")
    n.add_argument("notebook", nargs="*", type=Path,
                   help="the notebooks to run (default: every notebooks/*.ipynb, in name order)")
    n.add_argument("--manifest", "-m", required=True, help="the plan's manifest.yaml (the manifest parameter)")
    n.add_argument("--output", "-o", default="reports/notebooks", help="the folder to write into "
                   "(default: reports/notebooks)")
    n.add_argument("-p", "--parameter", action="append", metavar="NAME=VALUE",
                   help="another notebook parameter, as a string (repeatable), e.g. -p seed=data/x/seed.sql")
    n.add_argument("--reveal", metavar="PREFIX", help="where the slides load reveal.js 3.9 from (default: the "
                   "folder reveal.js written beside them from the rise package; another holding js/reveal.js, "
                   "css/reveal.css and css/theme/white.css)")
    n.set_defaults(func=cmd_notebooks)
    return parser


def main(argv: list[str] | None = None) -> int:
    tune_gc()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code else EXIT_OK
    try:
        return args.func(args)
    except SchemalensError as e:
        print(f"schemalens: error: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
