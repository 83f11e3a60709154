"""A migration folder loaded: its files discovered, parsed and replayed into a :class:`Schema`.

:func:`load_project` reads a folder once per content: the files (discovered, decoded, in apply order)
and, on first use, their statements. The later stages that need a folder's files or statements
(evidence excerpts, the option builders' context, the schema after chosen options) take the same
:class:`Project` instead of discovering and parsing the folder again.

>>> import pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "001_init.sql").write_text("CREATE TABLE t (id int PRIMARY KEY);")
>>> [t.name for t in load_schema(d).tables]
['public.t']
>>> p = load_project(d)
>>> [f.name for f in p.files], [st.kind for st in p.statements], load_project(d) is p
(['001_init.sql'], ['create table'], True)
>>> _ = (d / "002_more.sql").write_text("CREATE TABLE u (id int);")
>>> [f.name for f in load_project(d).files]  # another content: loaded again
['001_init.sql', '002_more.sql']
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from schemalens.core.memory import paused_gc, tuned_gc
from schemalens.core.model import Schema, Unparsed
from schemalens.read.migrations import MigrationFile, discover

if TYPE_CHECKING:
    from schemalens.read.parse import Statement


def parse_files(files: tuple[MigrationFile, ...]) -> list[Statement]:
    """Every statement of the files, in order (each file parsed alone and cached by content hash), as the
    runner hands them to PostgreSQL (supabase/auth's Go templates rendered: :func:`platform.render_templates`)."""
    from schemalens.read.parse import split_and_parse  # sqlglot: imported when something is parsed

    with paused_gc():
        return [st for f in files for st in split_and_parse(f.text, f.name)]


def load_schema(folder: str | Path) -> Schema:
    """Discover, parse and replay a migration folder into a :class:`Schema`, unqualified names resolved
    through the search_path its runner applies the files with (:func:`schemalens.read.runners.runner_search_path`);
    kept between runs in the persistent cache (:mod:`schemalens.read.cache`) under the content of its files and
    what decides that search_path (every path under the folder: a hit skips detecting it, 0.05-0.08 s)."""
    from schemalens.read import cache, marks
    from schemalens.read.runners import folder_paths, runner_search_path

    files, warnings = discover(folder)
    paths = folder_paths(folder)
    entry = cache.key([cache.folder_key(files, warnings), repr(paths)])
    schema = cache.get("schema", entry)
    if schema is None:
        search_path = runner_search_path(folder, files, paths, marks.cached(folder))  # unchanged files' marks kept
        problems = [p for f in files for p in f.problems]
        headers = tuple((f.name, f.headers) for f in files if f.headers)
        from schemalens.core.progress import Progress

        with Progress([len(f.text) for f in files]) as progress, tuned_gc():  # progress on stderr, for a long folder
            if cache.folder() is None:
                from schemalens.read.replay import replay

                schema = replay(_streamed(files, progress.update), headers=headers,
                                warnings=list(warnings) + problems, search_path=search_path)
            else:  # resumes from the replay state after the files that did not change (schemalens.read.snapshots)
                from schemalens.read import snapshots

                schema = snapshots.load(files, search_path, headers, list(warnings) + problems, progress.update)
        cache.put("schema", entry, schema)
    return schema


def _streamed(files: tuple[MigrationFile, ...], progress=None) -> Iterator[Statement]:
    """The statements of the files, parsed one file at a time as replay asks for them, and not kept: once
    replayed, a file's sqlglot trees are garbage. The collector runs (not :func:`paused_gc`), because the
    trees are cyclic (``parent`` links) and there are few live ones to scan. Peak memory at 50,000
    statements: 473 MiB when every tree was kept, 149 MiB streamed (benchmarks/README.md)."""
    from schemalens.read.parse import split_and_parse

    statements = 0
    for n, f in enumerate(files, 1):
        for st in split_and_parse(f.text, f.name, keep=False):
            statements += 1
            yield st
        if progress is not None:
            progress(n, statements)


@dataclass(frozen=True, eq=False)
class Project:
    """A migration folder as read once: its files in apply order, the discovery warnings, and (parsed
    on first use) every statement of the files."""

    folder: str
    files: tuple[MigrationFile, ...]
    warnings: tuple[Unparsed, ...] = field(default=(), repr=False)

    @cached_property
    def statements(self) -> tuple[Statement, ...]:
        """Every statement of the files, in order (:func:`parse_files`)."""
        return tuple(parse_files(self.files))


_LOADED: OrderedDict[tuple[str, str], Project] = OrderedDict()
_KEEP = 4  # folders kept loaded in this process (their statements hold sqlglot trees)


def load_project(folder: str | Path) -> Project:
    """The :class:`Project` of ``folder``: the same object while the folder's content is the same (the
    files are read each time to know that; they are parsed once)."""
    from schemalens.read import cache

    files, warnings = discover(folder)
    key = (str(Path(folder).resolve()), cache.folder_key(files, warnings))
    project = _LOADED.get(key)
    if project is None:
        project = _LOADED[key] = Project(str(folder), files, warnings)
        while len(_LOADED) > _KEEP:
            _LOADED.popitem(last=False)
    _LOADED.move_to_end(key)
    return project


__all__ = ["Project", "load_project", "load_schema", "parse_files"]
