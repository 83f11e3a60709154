"""The ``schemalens`` command.

Exit status: 0 when nothing reaches ``--fail-on``, 1 when findings do, 2 for bad input or usage
(any :class:`~schemalens.errors.SchemalensError` becomes one line on standard error).

Examples::

    schemalens graph data/revos/migrations --format json
    schemalens report data/revos/migrations --manifest data/revos/manifest.yaml
    schemalens report data/revos/migrations --manifest data/revos/manifest.yaml --format sarif -o f.sarif
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from schemalens import load_schema
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
    return parser


def main(argv: list[str] | None = None) -> int:
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
