"""The replayer: one class made of a mixin per kind of object, and the explicit table of handlers
(statement kind -> function), as :mod:`schemalens.read.parse` has ``_HANDLERS`` and sqlglot's optimizer ``RULES``.

A kind missing from :data:`HANDLERS` is understood and schema-neutral (COMMENT, BEGIN, data statements).
"""

from __future__ import annotations

from schemalens.core.model import Unparsed
from schemalens.read.parse import NOT_ANALYSED, UNDERSTOOD, UNPARSED, Statement
from schemalens.read.replay import (
    constraints,
    core,
    enums,
    functions,
    indexes,
    policies,
    privileges,
    tables,
    views,
)
from schemalens.read.replay.constraints import ConstraintsReplay
from schemalens.read.replay.core import ReplayerBase
from schemalens.read.replay.enums import TypesReplay
from schemalens.read.replay.functions import FunctionsReplay
from schemalens.read.replay.indexes import IndexesReplay
from schemalens.read.replay.policies import PoliciesReplay
from schemalens.read.replay.privileges import PrivilegesReplay
from schemalens.read.replay.queries import QueriesReplay
from schemalens.read.replay.state import ReplayWarning
from schemalens.read.replay.tables import TablesReplay
from schemalens.read.replay.views import ViewsReplay


class _Replayer(TablesReplay, ConstraintsReplay, IndexesReplay, PoliciesReplay, PrivilegesReplay, FunctionsReplay,
                TypesReplay, ViewsReplay, QueriesReplay, ReplayerBase):
    """Statements applied in order to the state of :class:`ReplayerBase`."""

    def apply(self, st: Statement) -> None:
        self.coverage[(st.kind, st.status)] += 1
        if st.status == UNPARSED:
            self.unparsed.append(Unparsed(st.source, st.text, st.reason))
            return
        if st.status == NOT_ANALYSED:
            self.not_analysed.append(Unparsed(st.source, st.text, st.reason))
            return
        handler = HANDLERS.get(st.kind)
        if handler is None:
            return  # understood and schema-neutral (GRANT, COMMENT, BEGIN, data statements)
        try:
            handler(self, st.node, st)
        except ReplayWarning as w:
            self.warnings.append(Unparsed(st.source, st.text, str(w)))
        except Exception as e:  # noqa: BLE001 - a statement we could not apply is reported, never fatal
            self.warnings.append(Unparsed(st.source, st.text, f"could not apply ({type(e).__name__}: {e})"))

    def _alter_table_actions(self, node: tuple[Statement, ...], st: Statement) -> None:
        """Each action of a several-action ALTER TABLE, in order (a refused action is a warning)."""
        said = set()
        for part in node:
            handler = HANDLERS.get(part.kind)
            if handler is None or part.status != UNDERSTOOD:
                continue
            try:
                handler(self, part.node, st)
            except ReplayWarning as w:
                if str(w) not in said:  # "table t does not exist" once, not once per action
                    said.add(str(w))
                    self.warnings.append(Unparsed(st.source, st.text, str(w)))


HANDLERS = {
    **core.HANDLERS, **tables.HANDLERS, **constraints.HANDLERS, **indexes.HANDLERS, **policies.HANDLERS,
    **privileges.HANDLERS, **functions.HANDLERS, **enums.HANDLERS, **views.HANDLERS,
    "alter table actions": _Replayer._alter_table_actions,
}
