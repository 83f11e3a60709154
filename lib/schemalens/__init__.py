"""schemalens: what the migrations really build, against what the plan assumes.

>>> import schemalens, pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "001_init.sql").write_text("CREATE TABLE t (id int PRIMARY KEY);")
>>> [t.name for t in schemalens.load_schema(d).tables]
['public.t']
"""

from __future__ import annotations

from pathlib import Path

from schemalens.errors import SchemalensError
from schemalens.migrations import MigrationFile, discover
from schemalens.model import Schema
from schemalens.parse import Statement, split_and_parse
from schemalens.replay import replay

__version__ = "0.1.0"


def parse_files(files: tuple[MigrationFile, ...]) -> list[Statement]:
    """Every statement of the files, in order (each file parsed alone and cached by content hash)."""
    return [st for f in files for st in split_and_parse(f.text, f.name)]


def load_schema(folder: str | Path) -> Schema:
    """Discover, parse and replay a migration folder into a :class:`Schema`."""
    files, warnings = discover(folder)
    problems = [p for f in files for p in f.problems]
    headers = tuple((f.name, f.headers) for f in files if f.headers)
    return replay(parse_files(files), headers=headers, warnings=list(warnings) + problems)


__all__ = ["Schema", "SchemalensError", "load_schema", "parse_files"]
