"""Drift: what a live database has against what the migration files build, as findings
(``drift-missing``, ``drift-extra``, ``drift-changed``) that cite the file:line defining each object.
Built on the one generic diff (:mod:`schemalens.read.diff`); differences a not-analysed statement explains
are listed, not reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from schemalens.assess.findings import Finding, Sources, short
from schemalens.core.model import Schema, Source
from schemalens.core.names import md_code, md_name
from schemalens.read.diff import ADDED, CHANGED, REMOVED, Difference, diff_schemas, normalise_arguments
from schemalens.read.migrations import MigrationFile

_LABELS = {
    "table": "Table",
    "column": "Column",
    "primary key": "Primary key of",
    "unique": "Unique constraint",
    "index": "Index",
    "foreign key": "Foreign key",
    "policy": "Policy",
    "enum": "Type",
    "view": "View",
    "function": "Function",
    "trigger": "Trigger",
}
_ON_TABLE = ("column", "primary key", "unique", "foreign key", "policy", "trigger")

MANAGED_SCHEMAS = frozenset(
    {
        "auth",
        "storage",
        "extensions",
        "realtime",
        "_realtime",
        "graphql",
        "graphql_public",
        "vault",
        "pgsodium",
        "pgsodium_masks",
        "supabase_functions",
        "supabase_migrations",
        "net",
        "cron",
        "pgbouncer",
        "_analytics",
    }
)


_PLURAL = {"index": "indexes", "policy": "policies", "unique": "unique constraints"}


def _count(n: int, kind: str) -> str:
    return f"{n} {kind if n == 1 else _PLURAL.get(kind, kind + 's')}"


def _table_key(d: Difference) -> tuple[str, ...] | None:
    if d.kind == "table":
        return d.key
    if d.kind in _ON_TABLE:
        return d.key[:2]
    if d.kind == "index":
        facts = d.a if d.a is not None else d.b
        return tuple(facts.table.split(".", 1))
    return None


def _find(schema: Schema, kind: str, key: tuple[str, ...]) -> Any:
    table_name = ".".join(key[:2])
    table = schema.table(table_name)
    if kind in ("table", "primary key"):
        return table
    if kind == "column":
        return table.column(key[2]) if table else None
    if kind == "unique":
        return next((u for u in table.uniques if u.name == key[2]), None) if table else None
    pools = {"foreign key": schema.foreign_keys, "policy": schema.policies, "trigger": schema.triggers}
    if kind in pools:
        return next((o for o in pools[kind] if o.table == table_name and o.name == key[2]), None)
    if kind == "index":
        return next((i for i in schema.indexes if i.name == key[1] and i.table.split(".")[0] == key[0]), None)
    if kind == "function":
        return next(
            (
                f
                for f in schema.functions
                if f.name == table_name and normalise_arguments(f.arguments) == key[2]
            ),
            None,
        )
    return next((o for o in (schema.enums if kind == "enum" else schema.views) if o.name == table_name), None)


def _label(d: Difference) -> str:
    k, table = d.key, short(".".join(d.key[:2]))
    if d.kind == "column":
        what = f"{table}.{k[2]}"
    elif d.kind == "index":
        what = k[1]
    elif d.kind == "function":
        what = f"{table}({k[2]})"
    elif d.kind in _ON_TABLE and len(k) > 2:
        return f"{_LABELS[d.kind]} {md_code(k[2])} on {md_code(table)}"
    else:
        what = table
    return f"{_LABELS[d.kind]} {md_code(what)}"


def _rls_sources(files: Sequence[MigrationFile]) -> dict[str, Source]:
    """Where each table's RLS was last switched (``ALTER TABLE … ENABLE ROW LEVEL SECURITY``)."""
    from schemalens.read.project import parse_files

    found = {}
    for st in parse_files(tuple(files)):
        if st.kind == "alter table rls":
            t = st.node.table
            name, schema = t.args["this"], t.args.get("db")
            fold = [i.this if i.quoted else i.this.lower() for i in (schema, name) if i is not None]
            found[".".join(fold if schema is not None else ["public", *fold])] = st.source
    return found


_RAW = ("table", "column", "foreign key", "policy")  # kinds whose model objects have the facts' field names


def _changed_fields(d: Difference, a: Any, b: Any) -> list[tuple[str, Any, Any]]:
    """``(field, files, database)`` for each differing field, in each side's own text where it has one."""
    out = []
    for f in d.a._fields:
        if getattr(d.a, f) != getattr(d.b, f):
            raw = d.kind in _RAW and a is not None and b is not None
            out.append(
                (f, getattr(a, f) if raw else getattr(d.a, f), getattr(b, f) if raw else getattr(d.b, f))
            )
    return out


def _severity(d: Difference, fields: list[tuple[str, Any, Any]]) -> str:
    if d.change == REMOVED:
        return "warning" if d.kind == "index" else "critical"
    if d.change == ADDED:
        return "critical" if d.kind == "policy" else "warning"
    if d.kind == "index" or (d.kind == "column" and [f for f, _, _ in fields] == ["nullable"]):
        return "warning"
    return "critical"


def drift_findings(
    static: Schema,
    live_schema: Schema,
    files: Sequence[MigrationFile],
    sources: Sources,
    ignore: Iterable[str] = (),
) -> tuple[list[Finding], list[tuple[str, str, str]]]:
    """Drift findings (live against files) and the differences explained by not-analysed statements.

    ``ignore`` names tables (``schema.table``) left out, e.g. the migration history table."""
    scope = {d.key[0] for d in diff_schemas(static, Schema())}
    ignored = {tuple(t.split(".", 1)) for t in ignore}
    diff = diff_schemas(static, live_schema)
    kept = [
        d
        for d in diff
        if d.key[0] in scope
        and _table_key(d) not in ignored
        and not (d.change == ADDED and d.key[0] in MANAGED_SCHEMAS)
    ]
    remaining, excused = replace(diff, differences=tuple(kept)).excuse(
        (*static.not_analysed, *static.unparsed)
    )
    whole = {d.key: d for d in remaining if d.kind == "table" and d.change != CHANGED}
    parts: dict[tuple[str, ...], list[Difference]] = {}
    rls = _rls_sources(files)
    out = []
    for d in remaining:
        table = _table_key(d)
        if d.kind != "table" and table in whole and whole[table].change == d.change:
            parts.setdefault(table, []).append(d)
            continue
        out.append(d)
    findings = [_drift_finding(d, static, live_schema, sources, parts.get(d.key, []), rls) for d in out]
    return findings, [(str(d), str(st.source), st.reason) for d, st in excused]


def _drift_finding(
    d: Difference,
    static: Schema,
    live_schema: Schema,
    sources: Sources,
    parts: list[Difference],
    rls: dict[str, Source],
) -> Finding:
    a, b = _find(static, d.kind, d.key), _find(live_schema, d.kind, d.key)
    label, table_name = _label(d), ".".join(_table_key(d) or d.key[:2])
    counts: dict[str, int] = {}
    for p in parts:
        counts[p.kind] = counts.get(p.kind, 0) + 1
    with_parts = ", ".join(_count(n, k) for k, n in counts.items())
    fields = _changed_fields(d, a, b) if d.change == CHANGED else []
    source = getattr(a, "source", None)
    if d.kind == "table" and [f for f, _, _ in fields] == ["rls_enabled"]:
        source = rls.get(table_name, source)
    if source is None or not source.file:  # an extra object: cite the table it is on, if the files have it
        t = static.table(table_name) if d.kind != "table" else None
        source = t.source if t is not None else None
    evidence = (
        (
            sources.evidence(
                source, "defined here" if d.change != ADDED else f"{md_name(table_name)} is defined here"
            ),
        )
        if source and source.file
        else ()
    )
    data = {
        "kind": d.kind,
        "object": d.name,
        "change": d.change,
        "table": table_name,
        "files": d.a._asdict() if d.a is not None else None,
        "database": d.b._asdict() if d.b is not None else None,
        "parts": [f"{p.kind} {p.name}" for p in parts],
        "source": str(source) if source and source.file else None,
    }
    where = md_code(source) if source and source.file else "the files"
    if d.change == REMOVED:
        code, title = "drift-missing", f"{label} is missing from the database"
        assumed, actual = (
            f"{where} creates it",
            "not in the database" + (f" (nor its {with_parts})" if parts else ""),
        )
        impact = (
            "Statements and policies that use it fail or behave differently on this database; a database "
            "built from the files has it."
        )
        options = (
            f"Option A: Restore it as {where} defines it (a file never applied: apply the file)",
            "Option B: If it was removed on purpose, add a migration that drops it",
        )
    elif d.change == ADDED:
        code, title = "drift-extra", f"{label} exists in the database but in no migration"
        assumed = "no migration creates it"
        actual = (
            "in the database"
            + (f" (with {with_parts})" if parts else "")
            + (
                f": {', '.join(f'{k}={v!r}' for k, v in d.b._asdict().items())}"
                if d.b and d.b._fields
                else ""
            )
        )
        impact = "Made outside the migrations: databases built from the files lack it" + (
            "; a permissive policy widens who sees rows." if d.kind == "policy" else "."
        )
        options = (
            "Option A: Add a migration that creates it (the database is right)",
            "Option B: Drop it by hand after checking nothing uses it",
        )
    else:
        code = "drift-changed"
        names = ", ".join(f for f, _, _ in fields)
        if d.kind == "table" and ("rls_enabled", True, False) in fields:
            title = f"Row level security is off on {md_name(table_name)} in the database"
        else:
            title = f"{label} differs in the database: {names}"
        assumed = "; ".join(f"{f} {md_code(x)}" for f, x, _ in fields) + f" ({where})"
        actual = "; ".join(f"{f} {md_code(y)}" for f, _, y in fields)
        impact = (
            "Row access differs from what the migrations define."
            if d.kind in ("policy", "table")
            else "The database behaves differently from a database built from the files."
        )
        options = (
            f"Option A: Restore the files' definition ({where})",
            "Option B: Add a migration that makes the change, so the files match",
        )
        data["fields"] = [f for f, _, _ in fields]
    return Finding(
        code=code,
        severity=_severity(d, fields),
        title=title,
        assumed=assumed,
        actual=actual,
        evidence=evidence,
        impact=impact,
        decision="reconcile-drift",
        options=options,
        subject=f"{d.kind} {d.name}",
        data=data,
    )
