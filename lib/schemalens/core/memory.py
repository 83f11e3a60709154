"""Python's cyclic garbage collector, for a process that holds a large schema (benchmarks/README.md)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the duration (and resumed only if it was running).

    Parsing keeps every statement's sqlglot tree (millions of objects at 50,000 statements) until the
    end, so each collection scanned them all for nothing: 40% of the time of a large folder. Reference
    counting still frees everything else; the peak grew by 5% (benchmarks/README.md).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def tune_gc() -> None:
    """Collect cyclic garbage less often, for a process that holds a large schema (the command line calls
    it; mypy's does the same). With Python's default thresholds, every allocation after a 50,000-statement
    folder was parsed paid for scans of its millions of live objects: allocating 2 million small objects
    afterwards took 3.6 s, 0.3 s with these (benchmarks/README.md)."""
    gc.set_threshold(*_TUNED)


_TUNED = (200_000, 30, 30)


@contextmanager
def tuned_gc() -> Iterator[None]:
    """The thresholds of :func:`tune_gc` (or the process's own where they are higher) for the duration, then the
    process's again: a library caller (a notebook, a test) that never called :func:`tune_gc` gets the command
    line's collector while a folder is parsed and replayed. Streamed replay frees each file's sqlglot trees by
    the collector (they are cyclic), so it runs, less often: on lemmy (2,664 statements) at Python's
    defaults it made 3-5 full collections and ~400 young ones per load, 0.81-1.03 s of CPU against
    0.65-0.75 s tuned, where pausing it altogether gained nothing more (benchmarks/README.md).

    >>> import gc; before = gc.get_threshold()
    >>> with tuned_gc():
    ...     gc.get_threshold()[0] >= 200_000
    True
    >>> gc.get_threshold() == before
    True
    """
    before = gc.get_threshold()
    gc.set_threshold(*(max(a, b) for a, b in zip(before, _TUNED, strict=False)))
    try:
        yield
    finally:
        gc.set_threshold(*before)


__all__ = ["paused_gc", "tune_gc", "tuned_gc"]
