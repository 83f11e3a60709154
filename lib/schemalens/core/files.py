"""Writing files so that nothing is half written and nothing lands outside the folder it is meant for.

:func:`write_text` writes a temporary file beside the target and renames it over the target, so a
failure (a full disk, an exception midway) leaves the previous file as it was and no truncated or
empty one. :func:`inside` resolves a relative path under a folder and refuses one that would leave
it (``..``, an absolute path, a symlink pointing out). :func:`write_tree` writes a whole set of
files, checking every path before it writes the first. Every writer (reports, SQL scripts, graphs,
notebook exports) goes through :func:`write_text`.

>>> import tempfile; d = Path(tempfile.mkdtemp())
>>> write_text(d / "a" / "b.md", "# b\\n").read_text()
'# b\\n'
>>> inside(d, "../x.md")
Traceback (most recent call last):
...
schemalens.core.errors.SchemalensError: ../x.md: refused, it would be written outside .../
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from schemalens.core.errors import SchemalensError


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, creating its folder; the path written.

    The permissions are those of the file it replaces, else the usual ones (0666 less the umask)."""
    return write_bytes(path, text.encode("utf-8"))


def write_bytes(path: str | os.PathLike[str], data: bytes, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (as :func:`write_text`), creating its folder; the path written.
    ``durable=False`` skips the flush to disk (fsync), for files whose loss a reader notices (a cache entry
    with its checksum): a whole file or none is still all a reader sees while the machine runs.

    A symlink is written through (the link stays, its target gets the text). A path that exists and is
    not a regular file (``/dev/null``, ``/dev/stdout``, a named pipe) is written into as it is: renaming
    a temporary file over it would replace the device with a file."""
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    if target.exists() and not target.is_file():
        with open(target, "wb") as f:
            f.write(data)
        return Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(temp, _mode_of(target))
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


def _mode_of(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def inside(folder: str | os.PathLike[str], relative: str | os.PathLike[str]) -> Path:
    """``folder / relative``, refused (:class:`SchemalensError`) when it resolves outside ``folder``
    (``..``, an absolute path, a symlink on the way that points elsewhere)."""
    root = Path(folder).resolve()
    path = (root / relative).resolve()
    if path != root and root not in path.parents:
        raise SchemalensError(f"{relative}: refused, it would be written outside {root}/")
    return path


def write_tree(folder: str | os.PathLike[str], files: Mapping[str, str]) -> list[Path]:
    """Write ``{relative path: text}`` under ``folder`` (each atomically), in path order; every path
    is checked with :func:`inside` before the first file is written. The paths written, as
    ``folder / relative``."""
    root = Path(folder)
    for rel in files:
        inside(root, rel)
    written = []
    for rel, text in sorted(files.items()):
        write_text(root / rel, text)
        written.append(root / rel)
    return written


__all__ = ["inside", "write_bytes", "write_text", "write_tree"]
