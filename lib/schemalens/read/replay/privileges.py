"""GRANT / REVOKE on tables: the privileges each role holds (the defaults until the first one)."""

from __future__ import annotations

from schemalens.core.model import API_ROLES, TABLE_PRIVILEGES, default_grants
from schemalens.read.parse import PrivilegeStmt, Statement
from schemalens.read.replay.state import _TableState


class PrivilegesReplay:
    """Table privileges."""

    def _grant(self, node: PrivilegeStmt, st: Statement) -> None:
        for state in self._privilege_tables(node):
            if state.grants is None:
                state.grants = {r: set(p) for r, p in default_grants(state.name).items()}
            if set(node.roles) & {*API_ROLES, "public"}:
                state.grants_source = st.source
            privileges = TABLE_PRIVILEGES if node.privileges == ("ALL",) else node.privileges
            for role in node.roles:
                held = state.grants.setdefault(role, set())
                if node.action == "grant":
                    held.update(f"{p} (columns)" if node.columns else p for p in privileges)
                elif not node.columns and not node.grant_option_only:
                    held.difference_update(privileges)
                    if node.privileges == ("ALL",):  # REVOKE ALL takes column privileges too
                        held.difference_update({h for h in held if h.endswith("(columns)")})

    _revoke = _grant

    def _privilege_tables(self, node: PrivilegeStmt) -> list[_TableState]:
        """The tables a GRANT/REVOKE names (a name that is no table, e.g. a view or sequence, is skipped)."""
        if node.on == "all tables":
            return [t for t in self.tables.values() if t.name.split(".", 1)[0] in node.schemas]
        if node.on != "table":
            return []
        return [t for t in (self.tables.get(self.qname(tbl)) for tbl in node.tables) if t is not None]


HANDLERS = {"grant": PrivilegesReplay._grant, "revoke": PrivilegesReplay._revoke}
