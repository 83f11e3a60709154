"""A table the plan names does not exist but has an actual counterpart (``missing-table``).

* A: rename the counterpart to the plan's name, its foreign-key columns named after it
  (``agency_id`` → ``tenant_id``), and the constraint, index and trigger names that spell either:
  catalog-only (rows untouched), but a breaking change for every client that uses the old names.
* B: keep the counterpart; the plan's documents are rewritten to the actual names (no schema change).

Renames keep everything PostgreSQL stores by id (foreign keys, policies, views, triggers, indexes);
function bodies are text and break: the preflight lists them and the impact names them.
"""

from __future__ import annotations

import re
from dataclasses import replace

from schemalens.core.names import PG_NAMEDATALEN, md_name, relation
from schemalens.decide.decisions import Check, Decision, Option, Risk, decision_title, slug
from schemalens.decide.options import Context
from schemalens.decide.rewrite import Renames
from schemalens.decide.sqlgen import (
    ACCESS_EXCLUSIVE,
    create_view,
    drop_view,
    literal,
    lock_up_front,
    rename_column,
    rename_constraint,
    rename_index,
    rename_table,
    rename_trigger,
    short,
    singular,
    table,
)


def _swap(name: str, old: str, new: str) -> str:
    """``name`` with ``old`` replaced where it stands as a ``_``-separated part; when that passes 63 bytes,
    ``new`` is shortened there (as PostgreSQL's makeObjectName shortens the names, not the label), so
    ``tenants_pkey`` never truncates into the table's own name.

    >>> _swap("agencies_pkey", "agencies", "tenants"), len(_swap("a_pkey", "a", "é" * 40).encode())
    ('tenants_pkey', 63)
    """
    pattern = re.compile(rf"(?<![a-z0-9]){re.escape(old)}(?![a-z0-9])")
    out, count = pattern.subn(lambda _: new, name)  # a function: new is text, not a template
    excess = len(out.encode()) - PG_NAMEDATALEN
    if count and excess > 0:
        cut = new.encode()[: max(len(new.encode()) - -(-excess // count), 0)].decode(errors="ignore")
        out = pattern.sub(lambda _: cut, name)
    return out


def build(ctx: Context, did: str, findings: list) -> tuple[Decision | None, str]:
    f = next(f for f in findings if f.code == "missing-table" and f.data.get("counterpart"))
    assumed, actual = f.data["assumed"], f.data["counterpart"]
    if assumed.split(".")[0] != actual.split(".")[0] or ctx.schema.table(actual) is None:
        return None, f"{short(assumed)} and {short(actual)} live in different schemas: no rename offered"
    rename = _rename(ctx, did, assumed, actual)
    keep = _keep(ctx, did, assumed, actual)
    return Decision(
        did,
        decision_title(did, f),
        f"Use {md_name(assumed)} (rename {md_name(actual)}) or keep {md_name(actual)} (rewrite the plan)?",
        (rename, keep),
        tuple(findings),
        "B",
        "B changes no schema and breaks no client; A renames a table every client uses.",
    ), ""


def _rename(ctx: Context, did: str, assumed: str, actual: str) -> Option:
    schema = ctx.schema
    old, new = relation(actual), relation(assumed)
    schema_name = actual.split(".")[0]
    new_q = f"{schema_name}.{new}"
    old_col, new_col = f"{singular(actual)}_id", f"{singular(assumed)}_id"
    t = schema.table(actual)
    up, down, columns, children = [rename_table(actual, new)], [], [], []
    for fk in schema.foreign_keys_to(actual):
        child = new_q if fk.table == actual else fk.table
        child_table = schema.table(fk.table)
        if fk.columns == (old_col,) and child_table is not None and new_col not in child_table.column_names:
            up.append(rename_column(child, old_col, new_col))
            columns.append(f"{fk.table}.{old_col}")
            children.append(fk.table)
    # names that spell the old table (on the renamed table) or the old column (on the child tables)
    names: list[tuple[str, str, str, str]] = []  # (kind, table after rename, old name, new name)
    for name in (
        [t.primary_key_name]
        + [u.name for u in t.uniques]
        + [fk.name for fk in schema.foreign_keys_from(actual)]
    ):
        if name and _swap(name, old, new) != name:
            names.append(("constraint", new_q, name, _swap(name, old, new)))
    for child in children:
        for fk in schema.foreign_keys_from(child):
            if _swap(fk.name, old_col, new_col) != fk.name:
                names.append(
                    (
                        "constraint",
                        new_q if child == actual else child,
                        fk.name,
                        _swap(fk.name, old_col, new_col),
                    )
                )
    for i in schema.indexes:
        if i.table == actual or i.table in children:
            renamed = _swap(_swap(i.name, old_col, new_col), old, new)
            if renamed != i.name:
                names.append(("index", schema_name, i.name, renamed))
    for trg in schema.triggers_on(actual):
        if _swap(trg.name, old, new) != trg.name:
            names.append(("trigger", new_q, trg.name, _swap(trg.name, old, new)))
    for kind, where, before, after in names:
        up.append(
            {"constraint": rename_constraint, "index": rename_index, "trigger": rename_trigger}[kind](
                where, before, after
            )
        )
    # rollback: the inverse of each rename, last first
    for kind, where, before, after in reversed(names):
        if kind == "index":
            down.append(rename_index(where, after, before))
        else:
            down.append(
                {"constraint": rename_constraint, "trigger": rename_trigger}[kind](where, after, before)
            )
    for col in reversed(columns):
        child = col.rsplit(".", 1)[0]
        down.append(rename_column(new_q if child == actual else child, new_col, old_col))
    down.append(rename_table(new_q, old))
    # the rollback renames the table last: every step before it names the table by its new name
    # every lock up front, in one order (the table, then its children), in both scripts
    locked = list(dict.fromkeys([actual, *children]))
    up.insert(0, lock_up_front([(x, ACCESS_EXCLUSIVE) for x in locked]))
    # clients that still name the old table read and write it through a view (RLS of the caller applies)
    view = f"{schema_name}.{old}"
    up.append(replace(create_view(view, f"SELECT * FROM {table(new_q)}", [new_q], "security_invoker = true"),
                      note=f"compatibility view {short(view)} over {new}"))
    # the view first: down.sql takes its locks up front in the order it needs them (decide.phased.rollback_up_front)
    down.insert(0, drop_view(view, note=f"drop the compatibility view {short(view)}"))
    breaking_fns = [
        fn
        for fn in schema.functions
        if re.search(
            rf"(?<![\w$])({re.escape(old)}|{re.escape(old_col)})(?![\w$])", fn.body or "", re.IGNORECASE
        )
    ]
    pattern = literal(rf"\m({re.escape(old)}|{re.escape(old_col)})\M")  # names as plain text in the regex
    checks = (
        Check(
            "name-free",
            f"SELECT c.oid::regclass AS taken FROM pg_catalog.pg_class c\n"
            f"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n"
            f"WHERE n.nspname = {literal(schema_name)} AND c.relname = {literal(new)}",
            f"A row means `{new}` is taken: the rename would fail.",
            blocking=True,
        ),
        Check(
            "function-bodies",
            "SELECT p.oid::regprocedure AS function FROM pg_catalog.pg_proc p\n"
            "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace\n"
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prosrc ~* " + pattern,
            f"Each row is a function whose body names `{old}` or `{old_col}`: PostgreSQL keeps bodies as "
            "text, "
            "so it fails after the rename until it is rewritten in the same release.",
            blocking=True,
        ),
        Check(
            "rows",
            f"SELECT count(*) AS rows FROM {table(actual)}",
            "How many rows keep their data under the new name (a rename moves no row).",
        ),
    )
    risks = [
        Risk(
            "breaking",
            f"Clients that name `{old}` keep working through the view `{old}` (`SELECT *` from `{new}`, "
            "security_invoker, so the caller's RLS applies; columns added to the table later are not in it)"
            + (
                f"; clients that name `{old_col}` fail after the rename (a column has no such path)"
                if columns
                else ""
            )
            + ". Functions that name the old names fail. Move the code to the new names, then drop the view.",
        ),
        Risk("data", "None: renames change the catalog only; no row is read or written."),
        Risk(
            "lock",
            f"ACCESS EXCLUSIVE on {', '.join(short(x) for x in locked)} until COMMIT, all taken by the "
            "first statement in that order (each attempt waits 200 ms at most, then lets go and retries, 10 "
            "attempts), so it never holds one table while it queues for another; then quick (catalog only).",
        ),
        Risk(
            "reversibility",
            "down.sql renames everything back; clients already switched to the new names break "
            "again, so roll back code and schema together.",
        ),
    ]
    if breaking_fns:
        risks.insert(
            1,
            Risk(
                "breaking",
                "Function bodies that name the old table or column fail after the rename: "
                + ", ".join(f"`{short(fn.name)}()`" for fn in breaking_fns),
            ),
        )
    effects = {
        "foreign key": "follows the rename",
        "policy": "follows the rename (stored by id)",
        "view": f"follows the rename (stored by id); a new view `{old}` stands in for the old name",
        "trigger": "follows the rename",
        "index": "follows the rename",
        "function": "breaks: its body names the old name",
        "document": f"works after the rename (uses `{new}`)",
    }
    title = f"Rename `{old}` → `{new}`"
    return Option(
        did,
        "A",
        slug("A", title),
        title,
        f"Rename {md_name(actual)} to `{new}`"
        + (
            f" and its foreign-key columns `{old_col}` to `{new_col}` "
            f"({', '.join(short(c.rsplit('.', 1)[0]) for c in columns)})"
            if columns
            else ""
        )
        + f", with the {len(names)} constraint, index and trigger names that spell them, so the schema reads "
        "as the plan does.",
        tuple(up),
        tuple(down),
        checks,
        (),
        tuple(risks),
        ctx.impact([actual], columns, effects, document_tables=[assumed]),
        manifest=f"unchanged: `{new}` exists after the rename",
        renames=Renames(moved=((actual, new_q),)),
    )


def _keep(ctx: Context, did: str, assumed: str, actual: str) -> Option:
    old, new = relation(actual), relation(assumed)
    effects = {"document": f"rewritten: `{new}` → `{old}`"}
    title = f"Keep `{old}`"
    return Option(
        did,
        "B",
        slug("B", title),
        title,
        f"No schema change: the manifest and the planned documents use {md_name(actual)} "
        f"(`schemalens decisions` rewrites every document's SQL; see the diffs).",
        (),
        (),
        (),
        (),
        (
            Risk("breaking", "None for the database or its clients."),
            Risk("data", "None."),
            Risk("lock", "None."),
            Risk("reversibility", "Nothing to roll back; the documents' originals stay in version control."),
        ),
        ctx.impact([actual], (), effects, document_tables=[assumed]),
        manifest=f"`{new}` → `{old}` wherever the manifest names it",
        renames=Renames(tables=((assumed, actual),)),
    )
