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
    gc.set_threshold(200_000, 30, 30)


__all__ = ["paused_gc", "tune_gc"]
