"""The ``schemalens`` command.

Exit status: 0 when nothing reaches ``--fail-on``, 1 when findings do, 2 for bad input or usage.

Examples::

    schemalens graph data/revos/migrations --format json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from schemalens import load_schema
from schemalens.errors import SchemalensError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def cmd_graph(args: argparse.Namespace) -> int:
    from schemalens import report

    schema = load_schema(args.dir)
    writer = {"json": report.graph_json, "mermaid": report.mermaid, "dot": report.dot}[args.format]
    _write(writer(schema), args.output)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schemalens",
        description="How the schema your migrations build differs from what your plan assumes.",
        epilog="example: schemalens graph data/revos/migrations --format json",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    g = sub.add_parser("graph", help="the foreign-key graph of a migration folder",
                       description="The tables, foreign keys and policies the migrations build, with file:line.",
                       epilog="example: schemalens graph data/revos/migrations --format mermaid")
    g.add_argument("dir", help="folder of migration files")
    g.add_argument("--format", choices=["json", "mermaid", "dot"], default="json")
    g.add_argument("--output", "-o", help="write to this file instead of standard output")
    g.set_defaults(func=cmd_graph)
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
