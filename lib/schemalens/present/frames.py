"""A schema as pandas DataFrames, for notebooks: one row per table, foreign key, policy or statement kind.

Rows are sorted and columns fixed, so a notebook's output is the same on every run (nbval compares
DataFrame HTML byte for byte). Names are ``schema.table`` as everywhere else; lists are joined with
", " so cells stay readable. Besides notebooks, this is the only module that imports pandas.

>>> from schemalens.core.model import Column, ForeignKey, Schema, Table
>>> s = Schema(tables=(Table("public.a", (Column("id", "int"),), ("id",)),
...                    Table("public.b", rls_enabled=True)),
...            foreign_keys=(ForeignKey("b_a_fkey", "public.b", ("a_id",), "public.a", ("id",)),))
>>> tables_frame(s)[["table", "foreign_keys", "referenced_by", "rls"]].values.tolist()
[['public.a', 0, 1, 'off'], ['public.b', 1, 0, 'on, no policy']]
>>> paths_frame(s).to_dict("records")
[{'table': 'public.b', 'depth': 1, 'root': 'public.a', 'path': 'b → a'}]
"""

from __future__ import annotations

import pandas as pd

from schemalens.core.model import Schema, Table, unqualify
from schemalens.read.graph import build_graph, coverage, paths_to_root

STATUSES = ("understood", "not analysed", "unparsed")


def _rls(schema: Schema, t: Table) -> str:
    if not t.rls_enabled:
        return "off" if t.api_access else "off, not exposed"
    return "on" if schema.policies_on(t.name) else "on, no policy"


def tables_frame(schema: Schema) -> pd.DataFrame:
    """One row per table: columns, primary key, FKs out and in, RLS, policies, where it is defined."""
    rows = [{"table": t.name, "columns": len(t.columns), "primary_key": ", ".join(t.primary_key),
             "foreign_keys": len(schema.foreign_keys_from(t.name)),
             "referenced_by": len(schema.foreign_keys_to(t.name)),
             "rls": _rls(schema, t), "policies": len(schema.policies_on(t.name)),
             "defined_at": str(t.source)} for t in sorted(schema.tables, key=lambda t: t.name)]
    return pd.DataFrame(rows, columns=["table", "columns", "primary_key", "foreign_keys", "referenced_by",
                                       "rls", "policies", "defined_at"])


def foreign_keys_frame(schema: Schema) -> pd.DataFrame:
    """One row per foreign key: child table and columns, parent table and columns, actions, source."""
    rows = [{"table": fk.table, "columns": ", ".join(fk.columns), "ref_table": fk.ref_table,
             "ref_columns": ", ".join(fk.ref_columns), "name": fk.name, "on_delete": fk.on_delete,
             "on_update": fk.on_update, "validated": fk.validated, "defined_at": str(fk.source)}
            for fk in sorted(schema.foreign_keys, key=lambda f: (f.table, f.name))]
    return pd.DataFrame(rows, columns=["table", "columns", "ref_table", "ref_columns", "name", "on_delete",
                                       "on_update", "validated", "defined_at"])


def policies_frame(schema: Schema) -> pd.DataFrame:
    """One row per RLS policy: table, name, command, roles, USING and WITH CHECK text, source."""
    rows = [{"table": p.table, "name": p.name, "command": p.command, "roles": ", ".join(p.roles),
             "using": p.using, "with_check": p.with_check, "defined_at": str(p.source)}
            for p in sorted(schema.policies, key=lambda p: (p.table, p.name))]
    return pd.DataFrame(rows, columns=["table", "name", "command", "roles", "using", "with_check",
                                       "defined_at"])


def coverage_frame(schema: Schema) -> pd.DataFrame:
    """Statements by kind: how many were understood, not analysed or not parsed; a total row last."""
    rows = [{"kind": kind, **{s: counts.get(s, 0) for s in STATUSES}}
            for kind, counts in coverage(schema).items()]
    rows.append({"kind": "total", **{s: sum(r[s] for r in rows) for s in STATUSES}})
    return pd.DataFrame(rows, columns=["kind", *STATUSES])


def rls_frame(schema: Schema) -> pd.DataFrame:
    """One row per table: RLS enabled and forced, policies and the commands they cover, the row privileges
    Supabase's API roles hold (``none``: revoked, the table is not exposed), a status word."""
    rows = []
    for t in sorted(schema.tables, key=lambda t: t.name):
        policies = schema.policies_on(t.name)
        commands = sorted({p.command for p in policies})
        rows.append({"table": t.name, "rls_enabled": t.rls_enabled, "rls_forced": t.rls_forced,
                     "policies": len(policies), "commands": ", ".join(commands),
                     "api_access": ", ".join(t.api_access) or "none",
                     "status": _rls(schema, t)})
    return pd.DataFrame(rows, columns=["table", "rls_enabled", "rls_forced", "policies", "commands",
                                       "api_access", "status"])


def unparsed_frame(schema: Schema) -> pd.DataFrame:
    """Every statement not fully used: not analysed (kept as text) or unparsed, with file:line and reason."""
    rows = [{"status": status, "at": str(u.source), "reason": u.reason,
             "statement": " ".join(u.statement.split())[:120]}
            for status, items in (("not analysed", schema.not_analysed), ("unparsed", schema.unparsed))
            for u in sorted(items, key=lambda u: (u.source.file, u.source.line))]
    return pd.DataFrame(rows, columns=["status", "at", "reason", "statement"])


def paths_frame(schema: Schema) -> pd.DataFrame:
    """One row per FK path from a table up to a root: table, path length, root, the path in short names."""
    g = build_graph(schema)
    rows = [{"table": t.name, "depth": len(path) - 1, "root": path[-1],
             "path": " → ".join(map(unqualify, path))}
            for t in sorted(schema.tables, key=lambda t: t.name) for path in paths_to_root(g, t.name)]
    return pd.DataFrame(rows, columns=["table", "depth", "root", "path"])


__all__ = ["coverage_frame", "foreign_keys_frame", "paths_frame", "policies_frame", "rls_frame",
           "tables_frame", "unparsed_frame"]
