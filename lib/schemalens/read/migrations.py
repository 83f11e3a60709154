"""Discover and order migration files, read their text, and keep their header metadata.

Every ``*.sql`` under a folder counts, recursively, except down migrations (``down.sql``,
``*.down.sql``). A file's version is the leading number of its name (after an optional ``V``)
or, for folder-per-migration layouts (``2020-01-01-000000_name/up.sql``), of its folder; digit
groups joined by ``-`` or ``_`` count as one version. Files are ordered by version, group by group
numerically, then by path.

>>> version_of("V3_1__add_index.sql"), version_of("20240101120000_init.sql"), version_of("up.sql")
((3, 1), (20240101120000,), None)
>>> version_of("2019-02-26-002946_create_users")
(2019, 2, 26, 2946)

It refuses nothing silently: a folder that does not exist or holds no migrations is an error, so is
a file that cannot be read; two files with one version, files without a version and what is skipped
(a symlinked folder, a symlink to a file outside the folder, a folder that cannot be listed, a
dangling ``.sql`` symlink) are warnings, and a
file that is not UTF-8 is read with replacement characters and reported with the line of its first bad byte.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from schemalens.core.errors import InputError
from schemalens.core.model import Source, Unparsed

_VERSION = re.compile(r"^[Vv]?(\d+(?:[-_]\d+)*)(?=$|[-_.]|[A-Za-z])")
_HEADER = re.compile(r"^--\s*([A-Za-z][\w .-]*?)\s*:\s*(\S.*?)\s*$")


def version_of(name: str) -> tuple[int, ...] | None:
    """The version in a file or folder name, as a tuple of numbers; None when it has none."""
    m = _VERSION.match(name)
    return tuple(int(g) for g in re.split(r"[-_]", m.group(1))) if m else None


def is_down_migration(path: Path) -> bool:
    return path.name.lower() == "down.sql" or path.name.lower().endswith(".down.sql")


@dataclass(frozen=True)
class MigrationFile:
    """One migration file: its path relative to the folder, version, text and header metadata."""

    path: Path
    name: str
    version: tuple[int, ...] | None
    text: str = field(repr=False)
    headers: tuple[tuple[str, str], ...] = ()
    problems: tuple[Unparsed, ...] = ()

    @property
    def header(self) -> dict[str, str]:
        return dict(self.headers)


def read_text(path: Path, name: str) -> tuple[str, tuple[Unparsed, ...]]:
    """The text of a SQL file: BOM stripped, CRLF folded; bad UTF-8 replaced and reported by line."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    problems: tuple[Unparsed, ...] = ()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        text = raw.decode("utf-8", errors="replace")
        bad = text.splitlines()[line - 1] if text.splitlines() else ""
        problems = (Unparsed(Source(name, line), bad.strip(),
                             f"not UTF-8: byte 0x{raw[e.start]:02x} at line {line} (read with replacement characters)"),)
    return text.replace("\r\n", "\n").replace("\r", "\n"), problems


def read_headers(text: str) -> tuple[tuple[str, str], ...]:
    """``-- Key: value`` comment lines at the top of a file, keys in lower case.

    >>> read_headers("-- Supabase Project: kvjcidxbyimoswntpjcp\\n-- plain comment\\n\\n-- Later: no header\\nSELECT 1;")
    (('supabase project', 'kvjcidxbyimoswntpjcp'),)
    """
    found = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            if found:
                break  # the header block ends at its first blank line
            continue
        if not stripped.startswith("--"):
            break
        m = _HEADER.match(stripped)
        if m:
            found.append((m.group(1).lower(), m.group(2)))
    return tuple(found)


def discover(folder: str | Path) -> tuple[tuple[MigrationFile, ...], tuple[Unparsed, ...]]:
    """The migration files of ``folder`` in apply order, and warnings about the ordering."""
    root = Path(folder)
    if not root.exists():
        raise InputError("migration folder does not exist", str(folder))
    if not root.is_dir():
        raise InputError("not a folder of migrations", str(folder))
    paths, warnings = _walk(root)
    paths = [p for p in paths if not is_down_migration(p)]
    if not paths:
        raise InputError("no migration files (*.sql) in this folder", str(folder))

    entries = []
    for p in paths:
        rel = p.relative_to(root).as_posix()
        version = version_of(p.name)
        if version is None and p.parent != root:
            version = version_of(p.parent.name)
        if version is None:
            warnings.append(Unparsed(Source(rel, 1), "", "no version number in the file or folder name; "
                                     "ordered after the numbered files, by path"))
        entries.append((version is None, version or (), rel, p))
    entries.sort()

    files = []
    seen: dict[tuple[int, ...], str] = {}
    for _, version, rel, p in entries:
        if version and version in seen:
            warnings.append(Unparsed(Source(rel, 1), "", f"same version as {seen[version]}; ordered by path"))
        elif version:
            seen[version] = rel
        try:
            text, problems = read_text(p, rel)
        except OSError as e:
            raise InputError(f"cannot read this migration file: {e.strerror or e}", str(p)) from None
        files.append(MigrationFile(p, rel, version or None, text, read_headers(text), problems))
    return tuple(files), tuple(warnings)


def _walk(root: Path) -> tuple[list[Path], list[Unparsed]]:
    """Every ``*.sql`` file under ``root`` (a symlink to a file inside ``root`` counts), and a warning for
    each thing skipped: a symlinked folder (not followed: it may lead anywhere, or in a loop), a symlink
    to a file outside ``root`` (say ``/proc/kcore``), a folder that cannot be listed, a ``.sql`` name that
    is not a regular file (a dangling symlink, a device …)."""
    found: list[Path] = []
    skipped: list[Unparsed] = []
    inside = root.resolve()

    def skip(path: Path, reason: str) -> None:
        skipped.append(Unparsed(Source(path.relative_to(root).as_posix(), 1), "", f"skipped: {reason}"))

    def listing_failed(error: OSError) -> None:
        skip(Path(error.filename), f"this folder cannot be listed ({error.strerror or error})")

    for folder, dirs, names in os.walk(root, onerror=listing_failed):
        here = Path(folder)
        for d in sorted(dirs):
            if (here / d).is_symlink():
                skip(here / d, "a symlink to a folder (not followed); link the files, or pass the target folder")
        for name in sorted(names):
            path = here / name
            if not name.endswith(".sql"):
                continue
            if path.is_symlink() and path.is_file() and not path.resolve().is_relative_to(inside):
                skip(path, "a symlink to a file outside the folder (not followed: it may lead anywhere)")
            elif path.is_file():
                found.append(path)
            else:
                skip(path, "a dangling symlink" if path.is_symlink() and not path.exists() else "not a regular file")
    return found, skipped
