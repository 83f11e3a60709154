"""A cache between runs: the schema of a migration folder, kept in ``$XDG_CACHE_HOME/schemalens``.

The key is the content of every file of the folder (name, version, headers, text, reading problems),
the discovery warnings, every path under the folder (they decide the runner, so the search_path), and the versions of schemalens (with a fingerprint of its source files, so an
edited checkout never reads a stale entry), sqlglot and Python. A second run on an unchanged folder
then reads one small file instead of parsing and replaying: lemmy's schema (2,664 statements) is a
113 KB entry that loads in 2 ms, where parsing and replaying take 0.4 s (benchmarks/README.md).

What it caches: the replayed :class:`~schemalens.core.model.Schema`, not the parsed statements. Pickling
the statements' sqlglot trees was measured and does not pay: loading lemmy's 2,664 trees took
0.49–0.65 s, as long as parsing them.

Safe under concurrent runs: an entry is written to a temporary file and renamed into place
(:func:`schemalens.core.files.write_bytes`), so a reader sees a whole entry or none. Every entry starts
with the SHA-256 of its payload; an entry that is truncated, corrupt or unreadable counts as a miss,
is removed and written again, never a crash. A cache that cannot be written (read-only home, full
disk) is skipped. Bounded: when the entries pass ``SCHEMALENS_CACHE_MAX_MB`` (default 256), the
least recently used are removed. ``SCHEMALENS_CACHE=off`` turns it off.

The folder is the user's own (created 0700): an entry is a pickle, and loading a pickle runs code,
so the cache must not live anywhere someone else can write.

>>> import os, tempfile; os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp()
>>> put("demo", "k1", {"a": 1}); get("demo", "k1")
{'a': 1}
>>> get("demo", "k2") is None
True
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from schemalens.core.files import write_bytes

ENV_SWITCH, ENV_MAX_MB = "SCHEMALENS_CACHE", "SCHEMALENS_CACHE_MAX_MB"
DEFAULT_MAX_MB = 256
FORMAT = 1  # bump when the layout of an entry changes
_SUFFIX = ".pickle"


def folder() -> Path | None:
    """The cache folder, or None when ``SCHEMALENS_CACHE=off``."""
    if os.environ.get(ENV_SWITCH, "").strip().lower() in ("off", "0", "no", "false"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "schemalens"


def _max_bytes() -> int:
    try:
        return int(float(os.environ.get(ENV_MAX_MB, DEFAULT_MAX_MB)) * 1024 * 1024)
    except ValueError:
        return DEFAULT_MAX_MB * 1024 * 1024


def _code_fingerprint() -> str:
    """schemalens's version, and the size and modification time of each of its source files."""
    from schemalens.core.version import __version__

    here = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(__version__.encode())
    for path in sorted(here.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(here)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def versions() -> str:
    """What an entry depends on besides its input: schemalens (and its code), sqlglot, Python, the format."""
    return f"{FORMAT}|{_code_fingerprint()}|sqlglot {_sqlglot_version()}|{sys.version}"


def _sqlglot_version() -> str:
    """sqlglot's version, without importing sqlglot (a cache hit needs no parser: 0.1 s of start-up): from its
    ``_version.py`` (nor importlib.metadata, 0.02 s of a 0.15 s warm run), else its package metadata."""
    import importlib.util
    import re

    spec = importlib.util.find_spec("sqlglot")
    found = None
    if spec is not None and spec.origin:
        try:
            text = Path(spec.origin).with_name("_version.py").read_text(encoding="utf-8")
            found = re.search(r"^__version__ = version = '([^']+)'$", text, re.MULTILINE)
        except (OSError, UnicodeDecodeError):
            pass
    if found:
        return found.group(1)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sqlglot")
    except PackageNotFoundError:
        import sqlglot

        return sqlglot.__version__


def key(parts: Iterable[str | bytes], version: str | None = None) -> str:
    """The SHA-256 of ``parts`` (each length-prefixed, so no two lists give one key) and of :func:`versions`."""
    h = hashlib.sha256()
    for part in (versions() if version is None else version, *parts):
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def _path(kind: str, entry: str) -> Path | None:
    root = folder()
    return None if root is None else root / f"{kind}-{entry}{_SUFFIX}"


def get(kind: str, entry: str) -> Any | None:
    """The value stored under ``kind``/``entry``, or None (absent, disabled, corrupt: a corrupt entry is removed)."""
    path = _path(kind, entry)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    digest, payload = data[:32], data[32:]
    try:
        if hashlib.sha256(payload).digest() != digest:
            raise ValueError("checksum")
        value = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - a truncated or corrupt entry (any unpickling error) is a miss, never a crash
        path.unlink(missing_ok=True)
        return None
    try:
        os.utime(path)  # recently used: pruned last
    except OSError:
        pass
    return value


def put(kind: str, entry: str, value: Any) -> None:
    """Store ``value`` under ``kind``/``entry`` (atomically), then keep the cache under its size bound.

    Does nothing when the cache is off or cannot be written."""
    path = _path(kind, entry)
    if path is None:
        return
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_bytes(path, hashlib.sha256(payload).digest() + payload, durable=False)  # a cut entry: a checksum miss
        prune(path.parent, _max_bytes())
    except (OSError, pickle.PicklingError, RecursionError, TypeError, AttributeError):
        return


def prune(root: Path, max_bytes: int) -> None:
    """Remove the least recently used entries of ``root`` until they take at most ``max_bytes``."""
    entries = []
    for path in root.glob(f"*{_SUFFIX}"):
        try:
            st = path.stat()
        except OSError:  # removed by a concurrent run
            continue
        entries.append((st.st_mtime_ns, st.st_size, path))
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries, key=lambda e: e[0]):
        if total <= max_bytes:
            break
        path.unlink(missing_ok=True)
        total -= size


def folder_key(files, warnings) -> str:
    """The key of a discovered migration folder: every file's name, version, headers, reading problems
    and text, and the discovery warnings (not the :func:`versions`: a key of an entry adds them)."""
    parts: list[str | bytes] = [repr(tuple(warnings))]
    for f in files:
        parts += [f.name, repr(f.version), repr(f.headers), repr(f.problems),
                  hashlib.sha256(f.text.encode("utf-8", "surrogatepass")).digest()]
    return key(parts, version="")


__all__ = ["folder", "folder_key", "get", "key", "prune", "put", "versions"]
