"""The ``schemalens`` command.

Exit status: 0 when nothing reaches ``--fail-on``, 1 when findings do, 2 for bad input or usage
(any :class:`~schemalens.core.errors.SchemalensError` becomes one line on standard error), 3 when the commands
that build a throwaway database (``verify --built``, ``decisions --rehearse``) built it only partly:
PostgreSQL refused statements, which the report lists; what it says covers what was built. 4 for an
internal error: any other exception, a bug in schemalens, becomes one line naming the exception and
where it was raised (the traceback with ``--debug``), so CI can tell a crash from findings.

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
import traceback
from pathlib import Path

from schemalens.core.errors import InputError, SchemalensError
from schemalens.core.files import write_text
from schemalens.core.memory import tune_gc
from schemalens.read.project import load_schema

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_PARTIAL, EXIT_INTERNAL = 0, 1, 2, 3, 4
EXIT_STATUS = ("exit status: 0 nothing reaches --fail-on, 1 findings do, 2 bad input or usage, "
               "3 the throwaway database was built only partly (verify --built, decisions --rehearse), "
               "4 internal error (a bug in schemalens: one line, the traceback with --debug)")


def _write(text: str, output: str | None) -> None:
    if output:
        try:
            write_text(output, text)
        except OSError as e:
            raise SchemalensError(f"cannot write {output}: {e.strerror or e}") from None
    else:
        sys.stdout.write(text)


def cmd_graph(args: argparse.Namespace) -> int:
    from schemalens.present import graph_output as out  # not present.report: no findings, manifest or parser

    schema = _model(args, args.exact)
    writer = {"json": out.graph_json, "mermaid": out.mermaid, "dot": out.dot}[args.format]
    _write(writer(schema), args.output)
    return EXIT_OK


def _model(args: argparse.Namespace, exact: bool):
    """The folder's static model; with ``exact``, what its DO blocks did joined from a throwaway build."""
    schema = load_schema(args.dir)
    if exact:  # DDL inside DO blocks, read back from a throwaway build
        from schemalens.db import exact as exact_mode
        from schemalens.db import postgres

        with postgres.using(None) as srv:
            schema = exact_mode.exact_schema(args.dir, srv, schema, platform=getattr(args, "platform", None),
                                             runner=getattr(args, "runner", None))
    return schema


def cmd_report(args: argparse.Namespace) -> int:
    from schemalens.assess.compare import analyse
    from schemalens.present import confidence, report

    findings = analyse(args.dir, args.manifest, allow_outside_documents=args.allow_outside_documents,
                       schema=_model(args, args.exact))
    plan = confidence.assess(findings)
    again = None
    if args.choose:  # the world after the chosen options, side by side with before
        from schemalens.decide.options import decide

        decisions = decide(findings)
        again = confidence.after(findings, confidence.parse_choices(args.choose, decisions), decisions)
        if args.check_catalog:  # the same world built on a throwaway PostgreSQL, against the static model
            again = confidence.checked(again)
    elif args.check_catalog:
        raise InputError("--check-catalog checks the world after chosen options: give --choose too")
    if args.format == "md":
        command = shlex.join(["schemalens", "report", args.dir, "--manifest", args.manifest])
        text = confidence.with_section(report.markdown(findings, date=args.date, command=command),
                                       plan.markdown() + (f"\n{again.markdown()}" if again else ""))
    elif args.format == "json":
        data = report.findings_dict(findings) | plan.to_dict() | ({"after": again.to_dict()} if again else {})
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = json.dumps(confidence.add_to_sarif(report.sarif_dict(findings, base=args.base), plan, args.base),
                          indent=2, ensure_ascii=False) + "\n"
    _write(text, args.output)
    remaining = again.after if again is not None else findings
    return EXIT_FINDINGS if remaining.reaching(args.fail_on) or (again is not None and again.catalog) else EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from schemalens.assess.findings import Sources
    from schemalens.assess.manifest_init import init_manifest

    _write(init_manifest(load_schema(args.dir), Sources(args.dir)), args.output)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    import os

    from schemalens.db import verify
    from schemalens.present import report
    from schemalens.present.verify_report import verification_markdown

    options = {"manifest": args.manifest, "history_table": args.history_table, "groups": args.group or ()}
    dsn = args.dsn or ("" if args.built else os.environ.get("DATABASE_URL", "").strip())
    if dsn:
        result = verify.verify_database(args.dir, dsn, connect_timeout=args.connect_timeout, **options)
    else:
        result = verify.verify_built(args.dir, platform=args.platform, runner=args.runner, **options)
    if args.format == "md":
        words = ["schemalens", "verify", args.dir] + (["--manifest", args.manifest] if args.manifest else [])
        text = verification_markdown(result, date=args.date, command=shlex.join(words))  # never the DSN: it may hold a password
    elif args.format == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
    else:
        text = report.sarif(result.findings, base=args.base)
    _write(text, args.output)
    if result.build is not None and result.build.partial:
        return _partial(result.build)
    return EXIT_FINDINGS if result.findings.reaching(args.fail_on) else EXIT_OK


def _partial(build) -> int:
    print(f"schemalens: partial build: PostgreSQL refused {len(build.refused)} of {build.statements} statements "
          "(listed in the report)", file=sys.stderr)
    return EXIT_PARTIAL


def cmd_decisions(args: argparse.Namespace) -> int:
    from schemalens.assess.compare import analyse
    from schemalens.decide.document_rewrite import rewrite_for
    from schemalens.decide.options import decide
    from schemalens.present.confidence import parse_choices
    from schemalens.present.decision_report import (
        decisions_markdown,
        rehearsals_markdown,
        rewrite_markdown,
        write_decisions,
    )

    decisions = decide(analyse(args.dir, args.manifest, allow_outside_documents=args.allow_outside_documents,
                               schema=_model(args, args.rehearse)))  # a rehearsal builds anyway: exact mode
    choices = parse_choices(args.choose or (), decisions)
    text = decisions_markdown(decisions)
    if choices:
        text += "\n" + rewrite_markdown(rewrite_for(decisions, choices))
    if args.write:  # first: the decisions need no database, whatever the rehearsal meets
        try:
            written = write_decisions(decisions, args.write, choices or None)
        except OSError as e:
            raise SchemalensError(f"cannot write {e.filename or args.write}: {e.strerror or e}") from None
        print(f"schemalens: wrote {len(written)} files to {args.write}", file=sys.stderr)
    rehearsals = None
    if args.rehearse:
        from schemalens.db.rehearse import rehearse

        try:
            rehearsals = rehearse(decisions, args.dir, seed=args.seed or "auto", platform=args.platform,
                                  runner=args.runner)
        except SchemalensError:
            _write(text, args.output)  # the decisions, without their rehearsal
            raise
        text += "\n" + rehearsals_markdown(rehearsals)
    _write(text, args.output)
    if rehearsals is not None:
        counts = ", ".join(f"{n} {v}" for v, n in rehearsals.counts().items())
        print(f"schemalens: rehearsed {len(rehearsals)} options: {counts}", file=sys.stderr)
        if rehearsals.build is not None and rehearsals.build.partial:
            return _partial(rehearsals.build)
        if rehearsals.counts().get("failed"):
            return EXIT_FINDINGS
    return EXIT_OK


def cmd_notebooks(args: argparse.Namespace) -> int:
    from schemalens.core.errors import InputError
    from schemalens.present.notebook_reports import check_parameters, write_reports

    notebooks = args.notebook or sorted(Path("notebooks").glob("*.ipynb"))
    if not notebooks:
        raise InputError("no notebook given and none in ./notebooks", "notebooks")
    parameters = {"migrations": args.dir, "manifest": args.manifest}
    for item in args.parameter or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"-p {item}: expected NAME=VALUE")
        parameters[key] = value
    check_parameters(notebooks, [k for k in parameters if k not in ("migrations", "manifest")])
    failed = []
    for path in notebooks:  # every notebook runs; one that fails does not stop the others' exports
        print(f"schemalens: running {path}", file=sys.stderr)
        try:
            written = write_reports([path], args.output, parameters, reveal=args.reveal)
        except SchemalensError as e:
            print(f"schemalens: error: {e}", file=sys.stderr)
            failed.append(str(path))
            continue
        print(f"schemalens: wrote {', '.join(str(w) for w in written)}", file=sys.stderr)
    if failed:
        print(f"schemalens: {len(failed)} of {len(notebooks)} notebooks failed: {', '.join(failed)} "
              "(the others were exported)", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


class _Paragraphs(argparse.HelpFormatter):
    """argparse's formatting, each paragraph (separated by a blank line) filled on its own."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n\n".join(super(_Paragraphs, self)._fill_text(p, width, indent) for p in text.split("\n\n"))


def _allow_outside_documents(command: argparse.ArgumentParser) -> None:
    command.add_argument("--allow-outside-documents", action="store_true",
                         help="read planned documents that resolve outside the manifest's folder (an absolute "
                         "path, '..', a symlink); refused by default")


def _platform_argument(p: argparse.ArgumentParser) -> None:
    from schemalens.read.platform import PLATFORMS, RUNNERS

    p.add_argument("--platform", choices=PLATFORMS, help="what the throwaway database starts as (default: the "
                   "manifest's platform:, else detected from the files: supabase when they use auth., storage., "
                   "Supabase's roles or sit in supabase/migrations)")
    p.add_argument("--runner", choices=RUNNERS, help="how the files are applied to it: transactions and bookkeeping "
                   "tables (default: detected from the folder's layout; see docs/build.md)")


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
    g.add_argument("--exact", action="store_true",
                   help="build a throwaway database and read back what DO blocks create (marked from the database)")
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
    r.add_argument("--exact", action="store_true",
                   help="build a throwaway database and read back what DO blocks create (marked from the database)")
    r.add_argument("--choose", action="append", metavar="DECISION=OPTION",
                   help="re-assess after these options (repeatable), or 'recommended': the schema after their "
                   "forward SQL, the manifest and documents rewritten; --fail-on then applies to what remains")
    r.add_argument("--check-catalog", action="store_true",
                   help="with --choose: build the migrations and the options' forward SQL on a throwaway PostgreSQL "
                   "and report where its catalog disagrees with the static model (a disagreement exits 1)")
    _allow_outside_documents(r)
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
        "DATABASE_URL (or with --built), a throwaway database is built from the files and verified: statement by "
        "statement, as the folder's runner applies them, on the platform's objects; statements PostgreSQL refuses "
        "are listed and left out. "
        "Exit 0 when nothing reaches --fail-on, 1 when findings do, 2 for bad input or an unreachable database, "
        "3 when the build was partial (PostgreSQL refused statements).",
        epilog="example: DATABASE_URL=postgresql://reader@db.<ref>.supabase.co:5432/postgres "
        "schemalens verify data/revos/migrations --manifest data/revos/manifest.yaml "
        "(prefer DATABASE_URL, PGPASSWORD or ~/.pgpass to a password on the command line)",
    )
    v.add_argument("dir", help="folder of migration files")
    v.add_argument("--dsn", help="the database to verify (default: DATABASE_URL); opened read-only")
    v.add_argument("--built", action="store_true",
                   help="ignore DATABASE_URL as a target: build a throwaway database from the files and verify it")
    _platform_argument(v)
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
        "2 for bad input; 3 when the rehearsal database was built only partly (PostgreSQL refused statements of "
        "the migrations or the seed: listed in the Markdown). --write writes the decisions before rehearsing.",
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
    _platform_argument(d)
    d.add_argument("--seed", metavar="FILE", help="rows to rehearse with (default: seed.sql beside the "
                   "migrations folder, as Supabase keeps it, if there is one)")
    _allow_outside_documents(d)
    d.set_defaults(func=cmd_decisions)

    n = sub.add_parser(
        "notebooks",
        help="run the notebooks on a migration folder and export them: HTML, meeting HTML, slides",
        description="Run each notebook with papermill (parameters migrations=DIR and manifest=FILE, paths as "
        "seen from the current folder) and write into --output: NAME.ipynb (executed), NAME.html (with code), "
        "NAME.meeting.html (without code) and, for 3.0-decisions, NAME.slides.html (reveal.js). Every notebook "
        "runs and what succeeded is exported; exit 0, or 2 when a notebook is missing or one of its cells fails "
        "(each named, with the error). A partial build shows in the notebooks' own "
        "'PostgreSQL refused N statements' section.",
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
    debug = "on an internal error (exit 4), print the traceback too"
    parser.add_argument("--debug", action="store_true", help=debug)
    for command in (parser, *sub.choices.values()):
        command.epilog = f"{command.epilog}\n\n{EXIT_STATUS}"
        command.formatter_class = _Paragraphs
        if command is not parser:
            command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug)
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
    except Exception as e:
        if getattr(args, "debug", False):
            traceback.print_exc()
        print(f"schemalens: internal error: {internal_error(e)}", file=sys.stderr)
        return EXIT_INTERNAL


def _frame(frame: traceback.FrameSummary) -> str:
    return f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"


def internal_error(e: BaseException) -> str:
    """One line for an unexpected exception: what, where (the innermost frame, and the innermost of
    schemalens when that is another library's) and how to report it; passwords masked.

    >>> try:
    ...     {}["x"]
    ... except KeyError as e:
    ...     print(internal_error(e))
    KeyError: 'x' at <doctest ...>:2 in <module> (a bug in schemalens: ...)
    """
    frames = traceback.extract_tb(e.__traceback__)
    ours = [f for f in frames if "/schemalens/" in f.filename.replace("\\", "/")]
    at = ""
    if frames:
        at = " at " + _frame(frames[-1])
        if ours and ours[-1] is not frames[-1]:
            at += " via " + _frame(ours[-1])
    message = str(e).strip().splitlines()[0] if str(e).strip() else ""
    what = f"{type(e).__name__}: {message}" if message else type(e).__name__
    from schemalens.db.postgres import mask_dsn

    return (f"{mask_dsn(what)}{at} (a bug in schemalens: please report it to its maintainers with the command, "
            "this line and the traceback that --debug prints)")


if __name__ == "__main__":
    sys.exit(main())
