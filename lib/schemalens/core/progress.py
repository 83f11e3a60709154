"""Progress of a long static analysis on stderr: files and statements replayed, for a folder that takes
more than a couple of seconds.

Shown only when stderr is a terminal (``SCHEMALENS_PROGRESS=on`` shows it anyway, ``off`` never), one
line rewritten in place at most five times a second, first after ``SCHEMALENS_PROGRESS_AFTER`` seconds
(default 2), and wiped at the end; never on stdout, so reports written there stay clean.

>>> import io
>>> out = io.StringIO()
>>> p = Progress([10, 30], stream=out, after=0, enabled=True)
>>> p.update(1, 250); p.update(2, 1000); p.close()
>>> out.getvalue().split("\\r")[1]
'schemalens: 250 statements, file 1/2 (25%)\\x1b[K'
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from typing import Self, TextIO

ENV_SWITCH, ENV_AFTER = "SCHEMALENS_PROGRESS", "SCHEMALENS_PROGRESS_AFTER"
_EVERY = 0.2  # seconds between two lines


def _enabled(stream: TextIO) -> bool:
    switch = os.environ.get(ENV_SWITCH, "auto").strip().lower()
    if switch in ("on", "1", "yes", "true"):
        return True
    if switch in ("off", "0", "no", "false"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def _after() -> float:
    try:
        return float(os.environ.get(ENV_AFTER, "2"))
    except ValueError:
        return 2.0


class Progress:
    """``update(files_done, statements_done)`` after each file; ``close()`` at the end. The share is of
    the folder's text (bytes of the files done), since a file's statements are known once it is read."""

    def __init__(self, sizes: Sequence[int], stream: TextIO | None = None, after: float | None = None,
                 enabled: bool | None = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = _enabled(self.stream) if enabled is None else enabled
        self.after = _after() if after is None else after
        self.sizes, self.total = list(sizes), max(sum(sizes), 1)
        self.start = self.last = time.monotonic()
        self.shown = False
        self._done_bytes, self._done_files = 0, 0

    def update(self, files: int, statements: int) -> None:
        if not self.enabled:
            return
        while self._done_files < files:
            self._done_bytes += self.sizes[self._done_files]
            self._done_files += 1
        now = time.monotonic()
        if now - self.start < self.after or (self.shown and now - self.last < _EVERY):
            return
        self.last, self.shown = now, True
        share = 100 * self._done_bytes // self.total
        self._write(f"\rschemalens: {statements:,} statements, file {files:,}/{len(self.sizes):,} ({share}%)\x1b[K")

    def close(self) -> None:
        if self.shown:
            self._write("\r\x1b[K")
            self.shown = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # stderr closed: progress is never worth a crash
            self.enabled = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["Progress"]
