"""The options of each kind of decision, one module per kind, and what they share (:class:`Context`).

* :mod:`~schemalens.decide.options.root`: a missing table with an actual counterpart (``root-entity``,
  ``mapping-of-…``): rename the counterpart, or keep it and rewrite the plan;
* :mod:`~schemalens.decide.options.keys`: a missing foreign key (``user-mapping``, ``foreign-key-…``): add it
  (``NOT VALID``, then ``VALIDATE``), keep the soft reference and document it, or, for a key the auth
  user's id should fill, a trigger on ``auth.users`` for new users;
* :mod:`~schemalens.decide.options.scope`: tables scoped by another entity than assumed (``scope-of-…``):
  keep, re-scope (new key column, backfill, policy), or unify a group into one table (keeping the
  old tables, or archiving them);
* :mod:`~schemalens.decide.options.hierarchy`: where the plan's new tables hang (``proposed-hierarchy``);
* :mod:`~schemalens.decide.options.general`: the general checks' decisions (``enable-rls``, ``add-policies``,
  ``index-foreign-keys``);
* :mod:`~schemalens.decide.options.documents`: a table or column only the planned documents use (no counterpart):
  build it, or rewrite the documents (``document-table-…``, ``document-column-…``).

Every builder reads the finding's ``data`` and the schema, never a sample's names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlglot import exp

from schemalens.assess.findings import Findings
from schemalens.core.model import Schema, qualify, truncate_identifier
from schemalens.core.names import PG_NAMEDATALEN, md_name, relation
from schemalens.decide.impact import Impact, impact
from schemalens.decide.rewrite import path_foreign_keys
from schemalens.decide.sqlgen import ident, literal, short, table
from schemalens.read.parse import Statement, table_name
from schemalens.read.project import load_project
from schemalens.read.replay import make_object_name

AUTH_USERS = "auth.users"


@dataclass
class Context:
    """What every option builder reads: findings, schema, planned documents, migration statements."""

    findings: Any
    schema: Schema
    documents: tuple = ()
    statements: tuple[Statement, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, findings: Findings) -> Context:
        statements: tuple[Statement, ...] = ()
        if findings.migrations and Path(findings.migrations).is_dir():
            statements = load_project(findings.migrations).statements
        return cls(findings, findings.schema, tuple(findings.documents), statements)

    @cached_property
    def views(self) -> dict[str, str]:
        """Each view's defining statement, from the migration files (the model keeps names only)."""
        out = {}
        for st in self.statements:
            if st.kind == "create view" and isinstance(st.node, exp.Create):
                schema, name = table_name(st.node.this)
                out[f"{schema or 'public'}.{name}"] = st.text
        return out

    @cached_property
    def identity(self) -> tuple[str, str] | None:
        """The table whose key is the signed-in user's id (``users.id``), from the policies that compare it
        with ``auth.uid()``: the most used primary key among them."""
        from schemalens.read.rls import identity_keys

        uses = Counter()
        for (tbl, col), found in identity_keys(self.schema).items():
            t = self.schema.table(tbl)
            if t is not None and t.primary_key == (col,):
                uses[(tbl, col)] += len(found)
        if not uses:
            return None
        return min(uses.items(), key=lambda kv: (-kv[1], kv[0]))[0]

    def chain_select(self, entity: str) -> str | None:
        """``SELECT <entity key> FROM <identity> JOIN … WHERE <key> = auth.uid()`` (None: no path)."""
        from schemalens.read.rls import fk_path

        if self.identity is None:
            return None
        start, key = self.identity
        path = list(fk_path(self.schema, start, entity))
        fks = path_foreign_keys(self.schema, path)
        ref = ident(relation(start))
        if start == entity:
            return f"SELECT {ref}.{ident(key)} FROM {table(start)} WHERE {ref}.{ident(key)} = auth.uid()"
        if not fks:
            return None
        joins = "".join(
            f" JOIN {table(fk.ref_table)} ON {ident(relation(fk.ref_table))}.{ident(fk.ref_columns[0])}"
            f" = {ident(relation(fk.table))}.{ident(fk.columns[0])}"
            for fk in fks[:-1]
        )
        last = fks[-1]
        return (
            f"SELECT {ident(relation(last.table))}.{ident(last.columns[0])} FROM {table(start)}{joins} "
            f"WHERE {ref}.{ident(key)} = auth.uid()"
        )

    def chain_tables(self, entity: str) -> list[str]:
        """The tables :meth:`chain_select` reads."""
        from schemalens.read.rls import fk_path

        if self.identity is None:
            return []
        path = list(fk_path(self.schema, self.identity[0], entity))
        return path[:-1] if len(path) > 1 else path

    def comment(self, table_: str, column: str | None = None) -> str | None:
        """The comment the migrations leave on a table or column (the last ``COMMENT ON``), else None."""
        found = None
        for st in self.statements:
            node = st.node
            if not isinstance(node, exp.Comment):
                continue
            kind, target = str(node.args.get("kind") or "").upper(), node.this
            if column is None and kind == "TABLE" and isinstance(target, exp.Table):
                if f"{table_name(target)[0] or 'public'}.{table_name(target)[1]}" == table_:
                    found = node.expression
            elif column is not None and kind == "COLUMN" and isinstance(target, exp.Column):
                parts = [p.name for p in target.parts]
                if parts[-1] == column and ".".join((["public"] + parts[:-1])[-2:]) == table_:
                    found = node.expression
        if found is None:
            return None
        return None if isinstance(found, exp.Null) else found.name

    def impact(
        self,
        tables: Iterable[str],
        columns: Iterable[str] = (),
        effects: dict[str, str] | None = None,
        document_tables: Iterable[str] = (),
        extra: Iterable = (),
        mention_columns: bool = True,
    ) -> Impact:
        return impact(
            self.schema,
            tables,
            columns,
            self.documents,
            self.views,
            effects,
            document_tables,
            extra,
            mention_columns,
        )

    def unique_name(self, wanted: str, taken: Iterable[str]) -> str:
        """``wanted``, else ``wanted`` with a number, that is none of ``taken`` once PostgreSQL cuts each to
        63 bytes (the number is kept: ``wanted`` is cut before it)."""
        taken = {truncate_identifier(t) for t in taken}
        name, n = truncate_identifier(wanted), 1
        while name in taken:
            suffix = str(n)
            name = truncate_identifier(wanted.encode()[: PG_NAMEDATALEN - len(suffix)].decode(errors="ignore") + suffix)
            n += 1
        return name

    def index_name(self, table_: str, columns: Iterable[str]) -> str:
        """An index name in the schema's own convention (``idx_<table>_<cols>`` or ``<table>_<cols>_idx``)."""
        styles = Counter(
            "prefix" if i.name.startswith("idx_") else "suffix" if i.name.endswith("_idx") else ""
            for i in self.schema.indexes
        )
        rel, cols = relation(table_), "_".join(columns)
        # PostgreSQL's own default name shortens the table and columns, never the "idx"
        name = f"idx_{rel}_{cols}" if styles["prefix"] > styles["suffix"] else make_object_name(rel, cols, "idx")
        schema = qualify(table_).partition(".")[0]
        relations = {relation(t.name) for t in self.schema.tables if qualify(t.name).partition(".")[0] == schema}
        return self.unique_name(name, relations | {i.name for i in self.schema.indexes})

    def constraint_names(self, table_: str) -> set[str]:
        t = self.schema.table(table_)
        names = {fk.name for fk in self.schema.foreign_keys_from(table_)}
        if t is not None:
            names |= {u.name for u in t.uniques} | ({t.primary_key_name} if t.primary_key_name else set())
        return names


def _builders() -> list[tuple[str, Callable[[str, list], bool], Callable]]:
    """``(kind, applies to a decision's findings, builder)``; the kinds are :data:`KINDS`."""
    from schemalens.decide.options import documents, general, hierarchy, keys, root, scope

    return [
        ("root", lambda d, fs: any(f.code == "missing-table" and f.data.get("counterpart") for f in fs),
         root.build),
        ("keys", lambda d, fs: any(f.code == "missing-foreign-key" for f in fs), keys.build),
        ("scope", lambda d, fs: any(f.code == "scope-mismatch" for f in fs), scope.build),
        ("hierarchy", lambda d, fs: any(f.code == "hierarchy-mismatch" and f.data.get("proposed") for f in fs),
         hierarchy.build),
        ("general", lambda d, fs: d in ("enable-rls", "add-policies", "index-foreign-keys"), general.build),
        ("documents", lambda d, fs: d.startswith(documents.PREFIX), documents.build),
    ]


# The kinds of decision, in the order a meeting takes them (the seed's findings 1-4).
KINDS = {
    "root": "The root entity: a table the plan names is another table",
    "keys": "Identity and foreign keys: a reference the plan assumes is not enforced",
    "hierarchy": "Where the new tables hang",
    "scope": "Scope: rows that belong to another entity than the plan says",
    "general": "General checks: row level security off or without policies, foreign keys without an index",
    "documents": "Names only the planned documents use: a table or column no migration builds",
}


# Why a decision gets no SQL options, by the code of a finding that opens it.
_NO_SQL = {
    "project-ref-mismatch": "which project a file belongs to is settled in the repository (correct its header, or move the "
                   "file to the other project's folder), not by SQL on this database",
    "unreachable-from-root": "no column of these rows leads to the root: which entity owns a row is not in the "
                             "schema, so a key to add cannot be derived (see the report's options)",
}


def decide(findings: Findings):
    """Every decision the findings open that schemalens can write SQL for, each with its options."""
    return build_decisions(findings)


def build_decisions(findings: Findings):
    """Decisions with options for every decision id the builders know; the rest in ``skipped``."""
    from schemalens.decide.decisions import Decisions
    from schemalens.decide.options.documents import unmapped
    from schemalens.decide.phased import rollback_up_front

    ctx = Context.of(findings)
    built, skipped = [], []
    groups = findings.decisions()
    groups |= unmapped(groups.get("rewrite-documents", ()))  # the names no counterpart resolves: one decision each
    for did, fs in groups.items():
        kind, builder = next(((k, b) for k, test, b in _builders() if test(did, fs)), (None, None))
        if builder is None:
            codes = {f.code for f in fs}
            why = next((text for code, text in _NO_SQL.items() if code in codes),
                       "no SQL options are generated for it (see the report)")
            if did == "rewrite-documents":
                why = "the planned documents are rewritten for the chosen options (schemalens.documents.rewrite_documents)"
            skipped.append((did, why))
            continue
        decision, why = builder(ctx, did, fs)
        if decision is None:
            skipped.append((did, why))
        else:
            options = tuple(rollback_up_front(o) for o in decision.options)  # short locks on rollback (phased)
            built.append(replace(decision, kind=kind, options=options))
    return Decisions(tuple(built), findings, tuple(skipped))


def row_counts_sql(tables: Iterable[str]) -> str:
    """A preflight query: how many rows each table holds (``table_name``, ``rows``)."""
    return "\nUNION ALL\n".join(
        f"SELECT {literal(short(t))} AS table_name, count(*) AS rows FROM {table(t)}" for t in tables
    )


def policies_named_sql(policies: Iterable[tuple[str, str]]) -> str:
    """A preflight query: which of the ``(table, policy name)`` pairs exist already."""
    return "SELECT polrelid::regclass AS table_name, polname FROM pg_catalog.pg_policy\nWHERE " + " OR ".join(
        f"(polrelid = {literal(table(t))}::regclass AND polname = {literal(name)})" for t, name in policies
    )


def name_list(tables: Iterable[str]) -> str:
    return ", ".join(f"{md_name(t)}" for t in tables)


__all__ = ["AUTH_USERS", "KINDS", "Context", "build_decisions", "decide", "name_list", "policies_named_sql", "row_counts_sql"]
