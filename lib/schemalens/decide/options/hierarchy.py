"""Where the plan's new tables hang (``hierarchy-mismatch`` with ``proposed`` tables).

* A: under the table the existing hierarchy recommends (the parent the assumed child really has,
  e.g. ``clients``), as its siblings do;
* B: straight under the root.

Each new table is the planned document's ``CREATE TABLE`` when there is one (its text kept, the
column that referenced the assumed parent rewritten to the chosen parent, references to tables that
do not exist dropped), else a minimal table; then an index on the parent key and on every other
foreign key, row level security, and policies that follow the foreign-key chain from the signed-in
user's row to the parent: reading for the members; writing (a policy per command) only where the plan
gives the table a writing policy, else through the service role only.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from schemalens.core.names import md_name, relation
from schemalens.decide.decisions import Check, Decision, Option, Risk, decision_title, slug
from schemalens.decide.options import Context, name_list, row_counts_sql
from schemalens.decide.options.policies import member_policies
from schemalens.decide.rewrite import Renames, Rewriter, fk_column_name
from schemalens.decide.sqlgen import (
    ACCESS_EXCLUSIVE,
    SHARE_ROW_EXCLUSIVE,
    add_column,
    create_index,
    create_table,
    drop_table,
    enable_rls,
    ident,
    literal,
    short,
    singular,
    step,
    table,
)
from schemalens.read.parse import table_name


def build(ctx: Context, did: str, findings: list) -> tuple[Decision | None, str]:
    f = next(f for f in findings if f.code == "hierarchy-mismatch" and f.data.get("proposed"))
    d = f.data
    recommended, root = d.get("recommended_parent"), ctx.findings.root or d.get("parent_actual")
    proposed = [t for t in d["proposed"] if ctx.schema.table(t) is None]
    if not proposed or not recommended:
        return None, "no new table to place, or no recommended parent"
    assumed = {p.table: p.parent for p in (ctx.findings.manifest.proposed if ctx.findings.manifest else ())}
    options = [_place(ctx, did, "A", proposed, assumed, recommended, d, root)]
    if root and root != recommended and ctx.schema.table(root) is not None:
        options.append(_place(ctx, did, "B", proposed, assumed, root, d, root))
    n = len(d.get("siblings") or [])
    return Decision(
        did,
        decision_title(did, f),
        f"Hang {name_list(proposed)} under {md_name(recommended)} (as the "
        f"hierarchy does) or straight under {md_name(root)}?",
        tuple(options),
        tuple(findings),
        "A",
        f"A follows the existing hierarchy ({n} tables already hang under {md_name(recommended)}); its "
        "policies are the one-hop check those tables use.",
    ), ""


def _documented(ctx: Context, tbl: str):
    for doc in ctx.documents:
        for st in doc.statements:
            if (
                st.kind == "create table"
                and isinstance(st.node, exp.Create)
                and isinstance(st.node.this, exp.Schema)
            ):
                schema, name = table_name(st.node.this)
                if f"{schema or 'public'}.{name}" == tbl:
                    return doc, st
    return None, None


def _references(sql: str, own: str) -> list[str]:
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except sqlglot.errors.SqlglotError:
        return []
    out = []
    for ref in tree.find_all(exp.Reference):
        target = ref.this.this if isinstance(ref.this, exp.Schema) else ref.this
        schema, name = table_name(target)
        q = f"{schema or 'public'}.{name}"
        if q != own and q not in out:
            out.append(q)
    return out


def _fk_columns(sql: str, own: str) -> list[str]:
    """The columns of a ``CREATE TABLE`` that reference another table, but ``own`` (each gets an index)."""
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except sqlglot.errors.SqlglotError:
        return []
    return [cd.name for cd in tree.find_all(exp.ColumnDef)
            if cd.name != own and any(isinstance(c.args.get("kind"), exp.Reference) for c in cd.constraints)]


_PLANNED_POLICY = re.compile(r"CREATE\s+POLICY\s+(?:\"[^\"]*\"|\S+)\s+ON\s+(\S+)(?:\s+AS\s+\w+)?\s+FOR\s+(\w+)", re.IGNORECASE)


def planned_writes(ctx: Context, tbl: str) -> bool:
    """A planned document gives ``tbl`` a policy for writing (``FOR ALL``, ``INSERT``, …); else it is read-only
    through the API (the plan asks for ``FOR SELECT`` only, or nothing)."""
    for doc in ctx.documents:
        for st in doc.statements:
            for name, command in _PLANNED_POLICY.findall(st.text):
                if name.strip('"').split(".")[-1] == relation(tbl) and command.upper() != "SELECT":
                    return True
    return False


def _place(
    ctx: Context,
    did: str,
    key: str,
    proposed: list[str],
    assumed: dict[str, str],
    parent: str,
    d: dict,
    root: str | None,
) -> Option:
    col = fk_column_name(ctx.schema, parent)
    pkey = ctx.schema.table(parent).primary_key[0]
    pkey_type = ctx.schema.table(parent).column(pkey).type
    renames = Renames(
        tables=tuple(ctx.findings.mapping.items()),
        parents=tuple((t, assumed.get(t, d.get("parent")), parent) for t in proposed),
    )
    rewriter = Rewriter(ctx.schema, renames, ctx.documents, drop_missing_references=True)
    chain = ctx.chain_select(parent)
    up, down, sources, dropped, member_writes = [], [], [], [], []
    for t in proposed:
        doc, st = _documented(ctx, t)
        if st is not None:
            before = list(rewriter.unresolved)
            sql, _ = rewriter.sql(st.text)
            dropped += [u for u in rewriter.unresolved if u not in before]
            refs = _references(sql, t)
            up.append(
                step(
                    sql,
                    (t, ACCESS_EXCLUSIVE),
                    *[(r, SHARE_ROW_EXCLUSIVE) for r in refs],
                    note=f"create {short(t)} ({doc.name}:{st.source.line}, rewritten)",
                )
            )
            sources.append(f"{md_name(t)}: {doc.name}:{st.source.line}")
            if parent not in refs:
                up.append(add_column(t, col, pkey_type, parent, pkey, "CASCADE"))
                refs.append(parent)
        else:
            body = (
                f"  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n"
                f"  {ident(col)} {pkey_type} NOT NULL REFERENCES {table(parent)} ({ident(pkey)}) ON DELETE CASCADE,\n"
                f"  created_at timestamptz NOT NULL DEFAULT now()"
            )
            up.append(create_table(t, body, [parent]))
            refs = [parent]
            sources.append(f"{md_name(t)}: no planned CREATE TABLE (minimal table)")
        others = _fk_columns(sql, col) if st is not None else []
        up += [create_index(ctx.index_name(t, [c]), t, [c]) for c in [col, *others]]
        up.append(enable_rls(t))
        writes = "members" if planned_writes(ctx, t) else "none"
        if chain:
            up += member_policies(t, parent, col, chain, ctx.chain_tables(parent), writes=writes)[0]
        if writes == "members":
            member_writes.append(t)
        down.append(drop_table(t, refs))
    pairs = ", ".join(f"({literal(t.split('.')[0])}, {literal(relation(t))})" for t in proposed)
    rows = row_counts_sql(proposed)
    checks = (
        Check(
            "names-free",
            "SELECT c.oid::regclass AS taken FROM pg_catalog.pg_class c\n"
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n"
            f"WHERE (n.nspname, c.relname) IN ({pairs})",
            "A row means a table of that name exists already: up.sql would fail.",
            blocking=True,
        ),
        Check(
            "rows",
            f"SELECT * FROM (\n{rows}\n) AS counts WHERE rows > 0",
            "Tables that hold rows: down.sql drops them with their rows. Copy them out first.",
            when="before down",
            blocking=True,
        ),
    )
    direct = key == "A"
    title = f"New tables under {md_name(parent)}" + (
        " (the existing hierarchy)" if direct else " (straight to the root)"
    )
    risks = [
        Risk(
            "breaking",
            "None: the tables are new."
            + (
                f" The planned documents that create them are the other way "
                f"to carry this out: run them (rewritten to `{col}`) instead of up.sql, not as well."
                if sources
                else ""
            ),
        ),
        Risk(
            "data",
            f"None: the new tables start empty. Deleting a {md_name(parent)} row deletes its rows in them "
            "(ON DELETE CASCADE)."
            + (
                ""
                if direct
                else f" Their rows belong to no {md_name(d.get('recommended_parent'))}: every member of "
                f"the {md_name(parent)} reaches them, and deleting a {md_name(d.get('recommended_parent'))} "
                "leaves "
                "them."
            ),
        ),
        Risk(
            "lock",
            f"SHARE ROW EXCLUSIVE on {name_list(sorted({r for t in proposed for r in [parent]}))} (and any "
            "other referenced table) while each foreign key is created: writes wait, briefly.",
        ),
        Risk(
            "reversibility",
            "down.sql drops the new tables with every row written to them since up (check `rows`).",
        ),
        Risk(
            "security",
            f"Each {singular(parent)}'s members read its rows of {name_list(proposed)}"
            + (
                f"; they also add, change and delete them in {name_list(member_writes)} (the plan gives "
                "those a writing policy): any member, not only the row's author"
                if member_writes
                else ""
            )
            + (
                f"; {name_list([t for t in proposed if t not in member_writes])} are read-only through the API "
                "(the plan gives them a reading policy only): the service role writes them"
                if len(member_writes) < len(proposed)
                else ""
            )
            + ".",
        ),
    ]
    if dropped:
        risks.append(
            Risk(
                "data",
                "Planned references to tables that do not exist are left out: " + "; ".join(dropped) + ".",
            )
        )
    return Option(
        did,
        key,
        slug(key, f"under {short(parent)}"),
        title,
        f"{name_list(proposed)} with `{col}` → {md_name(parent)} (ON DELETE CASCADE), an index on each "
        "foreign key, row level "
        "security and policies per command following "
        f"{('the chain to `' + short(parent) + '`') if chain else 'no chain (none found)'}."
        f" Columns from: {'; '.join(sources)}.",
        tuple(up),
        tuple(reversed(down)),
        checks,
        (),
        tuple(risks),
        ctx.impact(
            [parent], effects={"document": "creates or uses the new tables"}, document_tables=proposed
        ),
        manifest="\n".join(f"{short(t)}: {short(parent)}" for t in proposed),
        renames=Renames(parents=renames.parents),
        creates=tuple(proposed),
    )
