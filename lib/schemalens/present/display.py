"""Jupyter shows the library's objects as Markdown: this module registers the IPython formatters.

The objects of the earlier stages (a :class:`~schemalens.core.model.Schema`, findings, decisions,
rehearsals, rewritten documents) do not render themselves: they would have to import this stage. So
this module tells IPython, when it runs, which renderer of ``present`` shows each of them, as
:mod:`schemalens.present.plot` does for figures. Importing ``schemalens`` imports this module, which
only registers (by the classes' names, so nothing is imported before an object is shown); the
renderers load when the first object is displayed.

>>> from schemalens.core.model import Schema, Table
>>> print(shown(Schema(tables=(Table("public.t"),))).splitlines()[0])
**Schema**: 1 tables, 0 foreign keys, 0 policies. Statements: 0 understood, 0 not analysed, 0 unparsed.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the formatters import what they render on first display (start-up time)
    from schemalens.assess.findings import Findings


def _schema(schema) -> str:
    from schemalens.present.report import schema_markdown

    return schema_markdown(schema)


def _finding(finding) -> str:
    from schemalens.present.sections import finding_markdown

    return finding_markdown(finding)


def _findings(findings: Findings) -> str:
    from schemalens.present.summary import markdown

    return markdown(findings)


def _option(option) -> str:
    from schemalens.present.decision_report import option_markdown

    return option_markdown(option, 3)


def _decision(decision) -> str:
    from schemalens.present.decision_report import decision_markdown

    return decision_markdown(decision, 2)


def _decisions(decisions) -> str:
    from schemalens.present.decision_report import decisions_markdown

    return decisions_markdown(decisions)


def _rewrite(rewrite) -> str:
    from schemalens.present.decision_report import rewrite_markdown

    return rewrite_markdown(rewrite)


def _verification(verification) -> str:
    from schemalens.present.verify_report import verification_markdown

    return verification_markdown(verification)


def _rehearsal(rehearsal) -> str:
    from schemalens.present.decision_report import rehearsal_markdown

    return rehearsal_markdown(rehearsal, 4)


def _rehearsals(rehearsals) -> str:
    from schemalens.present.decision_report import rehearsals_markdown

    return rehearsals_markdown(rehearsals)


MARKDOWN = {  # (module, class) -> its renderer
    ("schemalens.core.model", "Schema"): _schema,
    ("schemalens.assess.findings", "Finding"): _finding,
    ("schemalens.assess.findings", "Findings"): _findings,
    ("schemalens.decide.decisions", "Option"): _option,
    ("schemalens.decide.decisions", "Decision"): _decision,
    ("schemalens.decide.decisions", "Decisions"): _decisions,
    ("schemalens.decide.document_rewrite", "Rewrite"): _rewrite,
    ("schemalens.db.rehearse", "Rehearsal"): _rehearsal,
    ("schemalens.db.verify", "Verification"): _verification,
    ("schemalens.db.rehearse", "Rehearsals"): _rehearsals,
}


def register(formatter: Any = None) -> None:
    """Register :data:`MARKDOWN` with ``formatter`` (default: the running IPython's ``text/markdown``
    formatter; nothing when IPython is not running)."""
    if formatter is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
        if shell is None:
            return
        formatter = shell.display_formatter.formatters["text/markdown"]
    for (module, name), render in MARKDOWN.items():
        formatter.for_type_by_name(module, name, render)


def shown(obj: Any) -> str | None:
    """The Markdown Jupyter shows for ``obj``: IPython's own formatter, with these registrations."""
    from IPython.core.formatters import MarkdownFormatter

    formatter = MarkdownFormatter()
    register(formatter)
    return formatter(obj)


register()

__all__ = ["MARKDOWN", "register", "shown"]
