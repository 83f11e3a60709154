"""Names only the planned documents use (``document-reference`` without a counterpart): a decision per name.

A table or column a planned document uses that the migrations never build, and that no manifest name maps
to an actual table, gets its own decision (``document-table-<table>``, ``document-column-<table>-<column>``),
one for all the documents that use it:

* a missing table: A creates it under the actual root (the columns the documents use, typed from the
  columns that reference it; the root's key, an index, row level security, the members' reading policy);
  B keeps the documents' columns and drops their foreign keys to it (only where the documents use it in
  ``REFERENCES`` alone); C, when one existing table has a similar name and every column the documents use,
  rewrites the documents to it;
* a missing column: A adds it (nullable, so no row is rewritten; a column compared with ``auth.uid()`` is a
  user id and references ``auth.users``; a ``<x>_id`` column references ``x``'s table), with an index on a
  foreign key; B, for a column compared with ``auth.uid()``, rewrites the comparison to the membership
  path the schema has (``w.id IN (SELECT members.workspace_id FROM members WHERE members.id = auth.uid())``).

It refuses to guess: a column whose type nothing in the documents or the schema tells gets no A, a table
used in other places than ``REFERENCES`` gets no B; a name with no option left is skipped with the reason.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace

from sqlglot import exp

from schemalens.assess.findings import Findings
from schemalens.core.names import md_name, relation
from schemalens.decide.decisions import Check, Decision, Option, Risk, slug
from schemalens.decide.options import AUTH_USERS, Context, row_counts_sql
from schemalens.decide.options.policies import member_policies
from schemalens.decide.rewrite import Renames
from schemalens.decide.sqlgen import (
    add_column,
    create_index,
    create_table,
    drop_column,
    drop_table,
    enable_rls,
    fk_column_name,
    literal,
    short,
    singular,
)
from schemalens.decide.sqlgen import ident as quote
from schemalens.decide.sqlgen import table as table_sql
from schemalens.read.document_references import statement_references
from schemalens.read.parse import ident, table_name

PREFIX = "document-"
_UID = r"auth\s*\.\s*uid\s*\(\s*\)"


def unmapped(findings: Findings) -> dict[str, list]:
    """``{decision id: findings}`` for the document names no counterpart or foreign-key path resolves."""
    out: dict[str, list] = {}
    for f in findings:
        d = f.data
        if f.code != "document-reference" or d.get("kind") not in ("table", "column") or d.get("counterpart"):
            continue
        if d["kind"] == "column" and "|" in d["table"]:
            continue  # ambiguous between tables: nothing to decide about one of them
        name = relation(d["table"]) + (f"-{d['column']}" if d["column"] else "")
        out.setdefault(f"{PREFIX}{d['kind']}-{name}", []).append(f)
    return out


def _uses(ctx: Context, tbl: str, column: str | None = None) -> list:
    """Every reference the documents make to ``tbl`` (to its ``column`` only, when given), with its statement."""
    out = []
    for doc in ctx.documents:
        for st in doc.statements:
            for r in statement_references(doc, st):
                if r.table == tbl and (column is None or r.column == column):
                    out.append((doc, st, r))
    return out


def build(ctx: Context, did: str, findings: list) -> tuple[Decision | None, str]:
    f = findings[0]
    return (_table if f.data["kind"] == "table" else _column)(ctx, did, findings, f.data["table"], f.data["column"])


# A table -----------------------------------------------------------------------------------------------------


def _referencing(ctx: Context, tbl: str) -> dict[str, str]:
    """``{referenced column: type}`` from the documents' columns that reference ``tbl``."""
    out: dict[str, str] = {}
    for doc in ctx.documents:
        for st in doc.statements:
            if not isinstance(st.node, exp.Expression):
                continue
            for cd in st.node.find_all(exp.ColumnDef):
                ref = cd.find(exp.Reference)
                target = ref.this.this if ref is not None and isinstance(ref.this, exp.Schema) else (
                    ref.this if ref is not None else None)
                if target is None or _qname(target) != tbl or cd.args.get("kind") is None:
                    continue
                cols = [ident(c) for c in ref.this.expressions] if isinstance(ref.this, exp.Schema) else ["id"]
                if len(cols) == 1:
                    out.setdefault(cols[0], cd.args["kind"].sql(dialect="postgres").lower())
    return out


def _qname(node: exp.Expression) -> str:
    schema, name = table_name(node)
    return f"{schema or 'public'}.{name}"


def _only_referenced(ctx: Context, tbl: str) -> bool:
    """Every document statement that uses ``tbl`` names it in a column's ``REFERENCES`` of a ``CREATE TABLE``."""
    for doc, st, _ in _uses(ctx, tbl):
        if st.kind != "create table" or not isinstance(st.node, exp.Create):
            return False
        for t in st.node.find_all(exp.Table):
            if _qname(t) == tbl and not (t.find_ancestor(exp.Reference) and t.find_ancestor(exp.ColumnDef)):
                return False
    return True


def _similar(ctx: Context, tbl: str, columns: set[str]) -> str | None:
    """The one existing table of the same schema with a similar name (75 %) and every column the documents use."""
    fits = [t.name for t in ctx.schema.tables if t.name.split(".")[0] == tbl.split(".")[0]
            and difflib.SequenceMatcher(None, relation(tbl), relation(t.name)).ratio() >= 0.75
            and columns <= set(t.column_names)]
    return fits[0] if len(fits) == 1 else None


def _table(ctx: Context, did: str, findings: list, tbl: str, _column) -> tuple[Decision | None, str]:
    used = {r.column for _, _, r in _uses(ctx, tbl) if r.column}
    keys = _referencing(ctx, tbl)
    found: list[tuple[str, Option]] = []  # (why it comes first, option), in the order they are recommended
    counterpart = _similar(ctx, tbl, used)
    if counterpart:
        found.append(("uses an existing table with every column the documents use: no schema change",
                      _use_table(ctx, did, tbl, counterpart)))
    root = ctx.findings.root
    if root and ctx.schema.table(root) is not None and used <= set(keys) | {"id"}:
        found.append(("builds what the plan relies on; the new table starts empty, so no existing row changes",
                      _create(ctx, did, tbl, keys or {"id": "uuid"}, root)))
    if _only_referenced(ctx, tbl):
        found.append(("changes no schema; the documents' columns stay, unchecked", _drop_references(ctx, did, tbl)))
    if not found:
        return None, (f"{short(tbl)}: the documents use it in ways no option can carry (columns of unknown type, "
                      "no root to hang it under, not only in REFERENCES)")
    options = [replace(o, key=k, slug=slug(k, o.title)) for k, (_, o) in zip("ABC", found)]
    docs = sorted({f.data["document"] for f in findings})
    why = f"A {found[0][0]}."
    return Decision(
        did,
        f"Planned table {md_name(tbl)}",
        f"{', '.join(md_name(d) for d in docs)} use{'s' if len(docs) == 1 else ''} {md_name(tbl)}, which no "
        "migration builds and no manifest name maps to: build it, or change the documents?",
        tuple(options),
        tuple(findings),
        options[0].key,
        why,
    ), ""


def _create(ctx: Context, did: str, tbl: str, keys: dict[str, str], root: str) -> Option:
    pk = ctx.schema.table(root).primary_key[0]
    col = fk_column_name(ctx.schema, root)
    lines = []
    for name, type_ in keys.items():
        default = " DEFAULT gen_random_uuid()" if type_.lower() == "uuid" else ""
        lines.append(f"  {quote(name)} {type_}{default}{' PRIMARY KEY' if len(keys) == 1 else ' NOT NULL'}")
    if len(keys) > 1:
        lines.append(f"  PRIMARY KEY ({', '.join(quote(k) for k in keys)})")
    root_type = ctx.schema.table(root).column(pk).type
    lines.insert(len(keys), f"  {quote(col)} {root_type} NOT NULL REFERENCES {table_sql(root)} ({quote(pk)}) "
                            "ON DELETE CASCADE")
    up = [create_table(tbl, ",\n".join(lines), [root]), create_index(ctx.index_name(tbl, [col]), tbl, [col]),
          enable_rls(tbl)]
    chain = ctx.chain_select(root)
    if chain:
        up += member_policies(tbl, root, col, chain, ctx.chain_tables(root), writes="none")[0]
    title = f"Create `{relation(tbl)}` under `{relation(root)}`"
    return Option(
        did, "A", slug("A", title), title,
        f"A new table {md_name(tbl)} with the key{'s' if len(keys) > 1 else ''} the documents reference "
        f"({', '.join(f'`{k}` {t}' for k, t in keys.items())}), `{col}` → {md_name(root)} (ON DELETE CASCADE, "
        "indexed), row level security and the members' reading policy.",
        tuple(up),
        (drop_table(tbl, [root]),),
        (
            Check("name-free", "SELECT c.oid::regclass AS taken FROM pg_catalog.pg_class c\n"
                  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n"
                  f"WHERE n.nspname = {literal(tbl.split('.')[0])} AND c.relname = {literal(relation(tbl))}",
                  "A row means a table of that name exists already: up.sql would fail.", blocking=True),
            Check("rows", f"SELECT * FROM (\n{row_counts_sql([tbl])}\n) AS counts WHERE rows > 0",
                  "The table holds rows: down.sql drops them. Copy them out first.", when="before down",
                  blocking=True),
        ),
        (),
        (
            Risk("breaking", "None: the table is new."),
            Risk("data", f"None: it starts empty. Deleting a {md_name(root)} row deletes its rows (ON DELETE "
                 "CASCADE). Columns beyond the keys are the plan's to add."),
            Risk("lock", f"SHARE ROW EXCLUSIVE on {md_name(root)} while the foreign key is created: writes wait, "
                 "briefly."),
            Risk("reversibility", "down.sql drops the table with every row written to it since up (check `rows`)."),
            Risk("security", f"Each {singular(root)}'s members read its rows; only the service role writes them."
                 if chain else "No member policy (no chain from the signed-in user to the root): only the "
                 "service role reads and writes it."),
        ),
        ctx.impact([root], effects={"document": "works as written"}, document_tables=[tbl]),
        manifest="unchanged",
        creates=(tbl,),
    )


def _use_table(ctx: Context, did: str, tbl: str, actual: str) -> Option:
    title = f"Use `{relation(actual)}`"
    return Option(
        did, "C", slug("C", title), title,
        f"No schema change: the documents name {md_name(actual)}, which has every column they use on "
        f"{md_name(tbl)}.",
        (), (), (), (),
        (Risk("breaking", "None for the database or its clients."),
         Risk("data", f"None; check that {md_name(actual)} means what the plan calls {md_name(tbl)}."),
         Risk("lock", "None."), Risk("reversibility", "Nothing to roll back.")),
        ctx.impact([actual], (), {"document": f"rewritten: `{relation(tbl)}` → `{relation(actual)}`"},
                   document_tables=[tbl]),
        manifest="unchanged",
        renames=Renames(tables=((tbl, actual),)),
    )


def _drop_references(ctx: Context, did: str, tbl: str) -> Option:
    title = f"No foreign key to `{relation(tbl)}`"
    return Option(
        did, "B", slug("B", title), title,
        f"No schema change: the documents keep their columns but not their `REFERENCES {relation(tbl)}`: a "
        "soft reference, as a column that names rows of a system the database does not hold.",
        (), (), (), (),
        (Risk("breaking", "None for the database or its clients."),
         Risk("data", "Nothing checks the values: a column may name a row that does not exist."),
         Risk("lock", "None."), Risk("reversibility", "Add the table and the foreign key later (option A).")),
        ctx.impact([], (), {"document": f"rewritten: no foreign key to `{relation(tbl)}`"},
                   document_tables=[tbl]),
        manifest="unchanged",
        renames=Renames(dropped=(tbl,)),
    )


# A column ---------------------------------------------------------------------------------------------------


def compared_with_uid(statement: str, column: str) -> bool:
    """``statement`` compares ``column`` (qualified or not) with ``auth.uid()``.

    >>> compared_with_uid("USING (x IN (SELECT 1 FROM w WHERE w.owner_id = auth.uid()))", "owner_id")
    True
    """
    col = rf"(?:[\w$\"]+\s*\.\s*)?\"?{re.escape(column)}\"?"
    return bool(re.search(rf"(?<![\w$]){col}\s*=\s*{_UID}|{_UID}\s*=\s*{col}(?![\w$])", statement, re.IGNORECASE))


def _column(ctx: Context, did: str, findings: list, tbl: str, column: str) -> tuple[Decision | None, str]:
    uses = _uses(ctx, tbl, column)
    identity = any(compared_with_uid(st.text, column) for _, st, _ in uses)
    ref: tuple[str, str, str] | None = None  # (table, key, type)
    if identity and any(fk.ref_table == AUTH_USERS for fk in ctx.schema.foreign_keys):  # Supabase's users
        ref = (AUTH_USERS, "id", "uuid")
    elif identity and ctx.identity:
        t, k = ctx.identity
        ref = (t, k, ctx.schema.table(t).column(k).type)
    elif column.endswith("_id"):
        t = next((x for x in ctx.schema.tables if singular(x.name) == column[:-3] and len(x.primary_key) == 1), None)
        if t is not None:
            ref = (t.name, t.primary_key[0], t.column(t.primary_key[0]).type)
    options, added = [], ref is not None and ctx.schema.table(tbl) is not None
    if added:
        options.append(_add_column(ctx, did, tbl, column, ref, identity))
    chain = ctx.chain_select(tbl) if identity else None
    pk = ctx.schema.table(tbl).primary_key if ctx.schema.table(tbl) is not None else ()
    if chain and len(pk) == 1:
        options.append(_membership(ctx, did, tbl, column, pk[0], chain, "AB"[len(options)]))
    if not options:
        return None, f"{short(tbl)}.{column}: nothing in the documents or the schema tells its type or meaning"
    return Decision(
        did,
        f"Planned column {md_name(f'{tbl}.{column}')}",
        f"The documents use {md_name(f'{tbl}.{column}')}, which no migration builds: add it, or rewrite them "
        "to what the schema has?",
        tuple(options),
        tuple(findings),
        "A",
        ("A keeps the plan's meaning with a nullable column (no row rewritten)"
         + ("; B changes who passes the check." if len(options) > 1 else ".")) if added
        else "A changes no schema, but who passes the check (see its risks).",
    ), ""


def _add_column(ctx: Context, did: str, tbl: str, column: str, ref: tuple[str, str, str], identity: bool) -> Option:
    ref_table, key, type_ = ref
    index = ctx.index_name(tbl, [column])
    title = f"Add `{relation(tbl)}.{column}`"
    who = "a user id (the documents compare it with `auth.uid()`)" if identity else f"a key of {md_name(ref_table)}"
    return Option(
        did, "A", slug("A", title), title,
        f"A nullable column `{column}` {type_} on {md_name(tbl)}, {who}, referencing {md_name(ref_table)} "
        "(ON DELETE SET NULL), indexed.",
        (add_column(tbl, column, type_, ref_table, key, "SET NULL"), create_index(index, tbl, [column])),
        (drop_column(tbl, column, ref_table),),
        (
            Check("name-free", "SELECT a.attname FROM pg_catalog.pg_attribute a\n"
                  f"WHERE a.attrelid = {literal(table_sql(tbl))}::regclass AND a.attname = {literal(column)} "
                  "AND NOT a.attisdropped",
                  "A row means the column exists already: up.sql would fail.", blocking=True),
            Check("rows-without-value", f"SELECT count(*) AS rows FROM {table_sql(tbl)}",
                  f"How many rows get no `{column}` (NULL): the documents' checks on it pass for none of them "
                  "until it is set."),
            Check("values", f"SELECT count(*) AS rows FROM {table_sql(tbl)} WHERE {quote(column)} IS NOT NULL",
                  f"Rows whose `{column}` down.sql drops with the column.", when="before down"),
        ),
        (),
        (
            Risk("breaking", "None: a new nullable column; `SELECT *` clients see one more column."),
            Risk("data", "Existing rows get NULL: who owns them is the team's to set (the preflight counts them)."),
            Risk("lock", f"ACCESS EXCLUSIVE on {md_name(tbl)} (catalog only, quick), SHARE ROW EXCLUSIVE on "
                 f"{md_name(ref_table)} for the foreign key, SHARE on {md_name(tbl)} while the index builds."),
            Risk("reversibility", "down.sql drops the column and its values (check `values`)."),
        ),
        ctx.impact([tbl], [f"{tbl}.{column}"], {"document": "works as written"}),
        manifest="unchanged",
    )


def _membership(ctx: Context, did: str, tbl: str, column: str, pk: str, chain: str, key: str) -> Option:
    title = f"Members of the `{relation(tbl)}` instead of `{column}`"
    return Option(
        did, key, slug(key, title), title,
        f"No schema change: each `{relation(tbl)}.{column} = auth.uid()` in the documents becomes "
        f"`{relation(tbl)}.{pk} IN ({chain})`, the path the schema has.",
        (), (), (), (),
        (Risk("breaking", "None for the database or its clients."),
         Risk("security", f"Every member of the {singular(tbl)} passes the check, not one `{column}`: the "
              "documents' policies let more users in than the plan says."),
         Risk("lock", "None."), Risk("reversibility", "Nothing to roll back.")),
        ctx.impact([tbl], (), {"document": f"rewritten: `{column} = auth.uid()` → membership"}),
        manifest="unchanged",
        renames=Renames(members=((tbl, column, f"{quote(pk)} IN ({chain})"),)),
    )


__all__ = ["PREFIX", "build", "compared_with_uid", "unmapped"]
