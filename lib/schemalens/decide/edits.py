"""Text edited by span: edits (start, end, new text, why) applied right to left, so the rest of the text
stays byte for byte as written, with the changes they made by line.

>>> apply_edits("SELECT a FROM t", [_Edit(7, 8, "b", "renamed")])
('SELECT b FROM t', [Change(line=1, old='a', new='b', why='renamed')])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schemalens.read.statements import Statement


@dataclass(frozen=True)
class Change:
    """One edit: where (line in the text), what was there, what is now, and why."""

    line: int
    old: str
    new: str
    why: str


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    new: str
    why: str


def _shift(edits: list[_Edit], by: int) -> list[_Edit]:
    return [_Edit(e.start + by, e.end + by, e.new, e.why) for e in edits]


def _locate(text: str, st: Statement) -> int:
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    line = min(max(st.source.line, 1), len(starts))
    return text.find(st.text, starts[line - 1])


def apply_edits(text: str, edits: Iterable[_Edit]) -> tuple[str, list[Change]]:
    """``text`` with the edits applied right to left (of overlapping ones the first wins), and the changes."""
    chosen: list[_Edit] = []
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if chosen and e.start < chosen[-1].end and not (e.start == e.end == chosen[-1].start):
            continue
        chosen.append(e)
    changes = []
    for e in sorted(chosen, key=lambda e: (e.start, e.end), reverse=True):
        changes.append(Change(text.count("\n", 0, e.start) + 1, text[e.start : e.end], e.new, e.why))
        text = text[: e.start] + e.new + text[e.end :]
    return text, sorted(changes, key=lambda c: c.line)
