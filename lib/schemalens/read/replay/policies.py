"""Row level security: ENABLE / FORCE, CREATE / ALTER / DROP POLICY, and policy predicates kept in step
with renames and drops as PostgreSQL keeps them (by object ids)."""

from __future__ import annotations

from dataclasses import replace

from schemalens.core.model import Policy
from schemalens.read.parse import PolicyStmt, RlsStmt, Statement, mentions, replace_spans
from schemalens.read.replay.state import EXTERNAL_PRIMARY_KEYS, ReplayWarning


class PoliciesReplay:
    """RLS flags and policies."""

    def _alter_table_rls(self, node: RlsStmt, st: Statement) -> None:
        state = self.table(self.qname(node.table), missing_ok=node.if_exists)
        if state is None:
            return
        if node.enable is not None:
            state.rls_enabled = node.enable
        if node.force is not None:
            state.rls_forced = node.force

    def _create_policy(self, node: PolicyStmt, st: Statement) -> None:
        table = self.qname(node.table)
        if table not in EXTERNAL_PRIMARY_KEYS:  # Supabase's own tables take policies too (storage.objects)
            self.table(table)
        if (table, node.name) in self.policies:
            raise ReplayWarning(f'policy "{node.name}" for table {table} already exists')
        self.policies[(table, node.name)] = Policy(
            node.name, table, node.command or "ALL", node.permissive, node.roles or ("public",),
            node.using_text, node.with_check_text, st.source)

    def _alter_policy(self, node: PolicyStmt, st: Statement) -> None:
        table = self.qname(node.table)
        policy = self.policies.get((table, node.name))
        if policy is None:
            raise ReplayWarning(f'policy "{node.name}" for table {table} does not exist')
        changes = {k: v for k, v in (("roles", node.roles), ("using", node.using_text),
                                     ("with_check", node.with_check_text)) if v is not None}
        policy = replace(policy, **changes)
        if node.rename_to:
            del self.policies[(table, node.name)]
            policy = replace(policy, name=node.rename_to)
        self.policies[(table, policy.name)] = policy

    def _drop_policy(self, node: PolicyStmt, st: Statement) -> None:
        table = self.qname(node.table)
        if self.policies.pop((table, node.name), None) is None and not node.if_exists:
            raise ReplayWarning(f'policy "{node.name}" for table {table} does not exist')

    def policies_mentioning(self, name: str) -> list[tuple[tuple[str, str], Policy]]:
        """The policies whose predicates have ``name`` as a word (a test run before parsing any)."""
        return [(k, p) for k, p in self.policies.mentioning(name)
                if mentions(p.using or "", name) or mentions(p.with_check or "", name)]

    def rewrite_predicates(self, name: str, references) -> None:
        """Rename in every policy predicate that mentions ``name``, as PostgreSQL does (it keeps ids):
        ``references(policy, text)`` gives the (identifier node, new text) pairs to replace."""
        for key, policy in self.policies_mentioning(name):
            changes = {}
            for field_name in ("using", "with_check"):
                text = getattr(policy, field_name)
                if text and mentions(text, name):
                    try:
                        changes[field_name] = replace_spans(text, references(policy, text))
                    except Exception:  # noqa: BLE001 - a predicate sqlglot cannot read keeps its text
                        continue
            if changes:
                self.policies[key] = replace(policy, **changes)

    def policies_using(self, name: str, references) -> list[tuple[str, str]]:
        """Keys of the policies that ``references(policy, text) -> bool`` says depend on ``name``."""
        out = []
        for key, policy in self.policies_mentioning(name):
            for text in (policy.using, policy.with_check):
                try:
                    if text and mentions(text, name) and references(policy, text):
                        out.append(key)
                        break
                except Exception:  # noqa: BLE001 - unreadable: PostgreSQL would know, we cannot tell
                    continue
        return out


HANDLERS = {
    "alter table rls": PoliciesReplay._alter_table_rls,
    "create policy": PoliciesReplay._create_policy,
    "alter policy": PoliciesReplay._alter_policy,
    "drop policy": PoliciesReplay._drop_policy,
}
