"""A decision meeting, one kind of decision at a time: what ``notebooks/3.0-decisions`` shows.

:meth:`Meeting.prepare` analyses a migration folder against a manifest, builds every decision's options
(:func:`schemalens.decide.decisions.decide`) and rehearses each option on a throwaway PostgreSQL
(:func:`schemalens.db.rehearse.rehearse`). The methods return what a notebook cell shows, each rendering
itself (Markdown, a DataFrame, a figure), so the notebook holds no formatting code:

* :meth:`~Meeting.summary`: one row per option, for choosing (recommended, unsafe, strongest lock,
  preflight, rehearsal verdict);
* per kind of decision (:data:`schemalens.decide.options.KINDS`: ``root``, ``keys``, ``hierarchy``,
  ``scope``): :meth:`~Meeting.section` (the question, the findings that open it with ``file:line``,
  the recommendation and the options), :meth:`~Meeting.impact` (the tables the options change and
  every table that references them, drawn), :meth:`~Meeting.options` (each option's SQL, checks,
  locks, risks, impact) and :meth:`~Meeting.proof` (the rehearsal);
* :meth:`~Meeting.not_covered` and :meth:`~Meeting.documents` (the plan rewritten for the
  recommended options).

Sections are by kind, not by decision id, so the same notebook walks any project's decisions: a kind
the comparison does not open says so.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemalens.db.rehearse import VERDICTS, Rehearsals, rehearse
from schemalens.decide.decisions import Decision, Decisions
from schemalens.decide.document_rewrite import rewrite_for
from schemalens.decide.options import KINDS, decide
from schemalens.present.decision_report import (
    _cell,
    _strongest,
    opened_by,
    option_markdown,
    rehearsal_markdown,
)
from schemalens.present.views import Markdown

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from schemalens.db import postgres


@dataclass(frozen=True, repr=False)
class Meeting:
    """The decisions of one comparison and, when rehearsed, the proof of each option."""

    decisions: Decisions
    rehearsals: Rehearsals | None = None

    @classmethod
    def prepare(cls, migrations: str | Path, manifest: str | Path, *, seed: str | Path | None = "auto",
                rehearsed: bool = True, server: postgres.Server | None = None) -> Meeting:
        """Analyse, decide and (unless ``rehearsed=False``) rehearse every option with ``seed``'s rows."""
        from schemalens.assess.compare import analyse

        decisions = decide(analyse(migrations, manifest))
        rehearsals = rehearse(decisions, migrations, seed=seed, server=server) if rehearsed else None
        return cls(decisions, rehearsals)

    def _repr_markdown_(self) -> str:
        return self.agenda().text

    def __repr__(self) -> str:
        rehearsed = f", {len(self.rehearsals)} rehearsed" if self.rehearsals is not None else ""
        return f"Meeting({len(self.decisions)} decisions, {len(list(self.decisions.options()))} options{rehearsed})"

    def of(self, kind: str) -> tuple[Decision, ...]:
        """The decisions of one kind (``root``, ``keys``, ``hierarchy``, ``scope``)."""
        if kind not in KINDS:
            raise KeyError(f"no kind of decision {kind!r} (the kinds: {', '.join(KINDS)})")
        return tuple(d for d in self.decisions if d.kind == kind)

    def _verdict(self, decision: str, key: str) -> str:
        if self.rehearsals is None:
            return "not rehearsed"
        return VERDICTS[self.rehearsals.of(decision, key).verdict]

    def _preflight(self, decision: str, key: str) -> str:
        if self.rehearsals is None:
            return ""
        return self.rehearsals.of(decision, key).preflight

    def _unsafe(self, decision: str, o) -> str:
        """``yes`` (the generator says so), ``yes (rehearsal)`` (only what the rehearsal observed) or empty."""
        if o.unsafe:
            return "yes"
        if self.rehearsals is not None and self.rehearsals.of(decision, o.key).unsafe:
            return "yes (rehearsal)"
        return ""

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for d in sorted(self.decisions, key=lambda d: list(KINDS).index(d.kind)):
            for o in d.options:
                out.append({
                    "decision": d.id,
                    "option": o.key,
                    "title": o.title.replace("`", ""),
                    "recommended": "yes" if o.key == d.recommended else "",
                    "unsafe": self._unsafe(d.id, o),
                    "strongest lock": _strongest(o),
                    "preflight": self._preflight(d.id, o.key),
                    "rehearsal": self._verdict(d.id, o.key),
                })
        return out

    def summary(self) -> pd.DataFrame:
        """One row per option, decisions in meeting order: what to choose between."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=["decision", "option", "title", "recommended", "unsafe",
                                                  "strongest lock", "preflight", "rehearsal"])

    def agenda(self) -> Markdown:
        """The kinds of decision in meeting order, each with its decisions and recommendation."""
        lines = ["| # | kind | decisions | recommended |", "|---|---|---|---|"]
        for n, (kind, title) in enumerate(KINDS.items(), 1):
            ds = self.of(kind)
            names = ", ".join(f"`{d.id}`" for d in ds) or "none in this comparison"
            named = len(ds) > 1  # several decisions of a kind: say which recommendation is whose
            rec = "; ".join(f"{f'`{d.id}` ' if named else ''}{d.recommended}: {_cell(d.option(d.recommended).title)}"
                            for d in ds if d.recommended)
            lines.append(f"| {n} | {title} | {names} | {rec} |")
        if self.rehearsals is not None:
            counts = ", ".join(f"{n} {VERDICTS[v]}" for v, n in self.rehearsals.counts().items())
            g = self.rehearsals.generated
            seed = (f"the rows of `{self.rehearsals.seed}`" if self.rehearsals.seed
                    else f"{g.total} generated rows in {len(g.rows)} tables ({len(g.edges)} edge rows)" if g
                    else "no rows")
            rehearsed = f"{len(self.rehearsals)} options rehearsed on {self.rehearsals.server} with {seed}: {counts}."
            lines += ["", rehearsed]
            if self.rehearsals.build is not None and self.rehearsals.build.partial:  # say what the proof lacks
                lines += ["", self.rehearsals.build.markdown(3).rstrip()]
        return Markdown("\n".join(lines) + "\n")

    def section(self, kind: str) -> Markdown:
        """Each decision of ``kind``: question, the findings that open it, recommendation, the options."""
        ds = self.of(kind)
        if not ds:
            return Markdown(f"This comparison opens no decision of this kind ({KINDS[kind].lower()}).\n")
        parts = []
        for d in ds:
            # the mark lets the slides give each decision its own slide (notebook_reports.split_decisions)
            parts += [f'<div data-decision="{html.escape(d.id)}"></div>', "",
                      f"### {d.title} (`{d.id}`)", "", d.question, "", *opened_by(d, where=True)]
            parts += ["| option | what | unsafe | strongest lock | preflight | rehearsal |",
                      "|---|---|---|---|---|---|"]
            for o in d.options:
                mark = " ★" if o.key == d.recommended else ""
                parts.append(f"| {o.key}{mark} | {_cell(o.title)} | {self._unsafe(d.id, o) or 'no'} | "
                             f"{_strongest(o)} | {_cell(self._preflight(d.id, o.key))} | "
                             f"{self._verdict(d.id, o.key)} |")
            parts.append("")
        return Markdown("\n".join(parts).rstrip() + "\n")

    def impact(self, kind: str) -> Figure | Markdown:
        """The tables the options of ``kind`` change, and every table that references them, drawn."""
        tables = list(dict.fromkeys(t for d in self.of(kind) for t in d.tables()))
        if not tables:
            return Markdown("No table to draw: no decision of this kind changes a table.\n")
        from schemalens.present.plot import draw_impact

        return draw_impact(self.decisions.findings.schema, tables)

    def options(self, kind: str) -> Markdown:
        """Each option of ``kind`` in full: summary, preflight checks, the SQL of every script, locks,
        risks and impact."""
        ds = self.of(kind)
        if not ds:
            return Markdown("No options: no decision of this kind.\n")
        parts = []
        for d in ds:
            parts += [f"### `{d.id}`: the options' SQL", ""]
            parts += [option_markdown(o, 4) for o in d.options]
        return Markdown("\n".join(parts).rstrip() + "\n")

    def proof(self, kind: str) -> Markdown:
        """Each option of ``kind`` rehearsed: preflight rows, script outcomes, rollback, rows kept."""
        ds = self.of(kind)
        if not ds:
            return Markdown("Nothing to rehearse: no decision of this kind.\n")
        if self.rehearsals is None:
            return Markdown("Not rehearsed (`Meeting.prepare(..., rehearsed=False)`).\n")
        parts = []
        for d in ds:
            parts += [f"### `{d.id}`: rehearsed", ""]
            parts += [rehearsal_markdown(r, 4) for r in self.rehearsals.of(d.id)]
        return Markdown("\n".join(parts).rstrip() + "\n")

    def not_covered(self) -> Markdown:
        """Decisions the findings open that get no SQL options here, and why."""
        if not self.decisions.skipped:
            return Markdown("Every decision the findings open has options above.\n")
        lines = [f"- `{did}`: {why}" for did, why in self.decisions.skipped]
        return Markdown("\n".join(lines) + "\n")

    def documents(self, choices: dict[str, str] | None = None) -> Markdown:
        """The planned documents rewritten for ``choices`` (default: the recommended options), as diffs."""
        from schemalens.present.decision_report import rewrite_markdown

        findings = self.decisions.findings
        if findings is None or not findings.documents:
            return Markdown("The manifest lists no planned documents.\n")
        return Markdown(rewrite_markdown(rewrite_for(self.decisions, choices), 3))


__all__ = ["Meeting"]
