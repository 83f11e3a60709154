"""Plan checks for what real projects do that a single-column reading misses.

* :func:`composite_foreign_keys`: the plan assumes ``transactions.category_slug -> categories.slug``;
  the migrations have ``(category_slug, team_id) -> categories (slug, team_id)``. The assumed column is
  checked by the database, but only together with the others: a ``missing-foreign-key`` *warning* that
  says so (a join on the one column can match another team's row), not "a standalone text (no FK)".
* Scope (helpers of :func:`schemalens.compare.scoping`): a table *belongs* to an entity it has a foreign
  key to, directly or through a many-to-many link table (``prompt_workspaces``), whatever its policies
  restrict per user (:func:`belongs_to`); a one-to-one row it points at (a settings row, its FK column
  unique) is not its owner, nor is a row it outlives (``ON DELETE SET NULL``; :func:`owner_path`); only related tables share one finding
  (:func:`related_groups`); a table with no owner at all is global (:func:`global_scope`).
"""

from __future__ import annotations

from itertools import pairwise

import networkx as nx

from schemalens import rls
from schemalens.findings import Context, Finding, _fk_dict, _manifest_evidence, group_name, short
from schemalens.graph import paths_to_root
from schemalens.manifest import AssumedForeignKey, AssumedScope
from schemalens.model import ForeignKey, Schema
from schemalens.names import md_code, md_name


def composite_containing(ctx: Context, a: AssumedForeignKey) -> ForeignKey | None:
    """The actual multi-column FK of ``a``'s table to its referenced table that pairs ``a``'s column with
    ``a``'s referenced column, or None."""
    table, ref = ctx.actual(a.table), ctx.actual(a.ref_table)
    for fk in ctx.schema.foreign_keys_from(table):
        if fk.ref_table != ref or len(fk.columns) < 2 or fk.columns == a.columns:
            continue
        if (a.columns[0], a.ref_columns[0]) in zip(fk.columns, fk.ref_columns):
            return fk
    return None


def composite_foreign_keys(ctx: Context) -> list[Finding]:
    out = []
    for a in ctx.manifest.foreign_keys:
        table, ref = ctx.actual(a.table), ctx.actual(a.ref_table)
        if any(fk.ref_table == ref and fk.columns == a.columns for fk in ctx.schema.foreign_keys_from(table)):
            continue
        fk = composite_containing(ctx, a)
        if fk is None:
            continue
        left, right = f"{short(table)}.{a.columns[0]}", f"{short(ref)}.{a.ref_columns[0]}"
        cols, ref_cols = ", ".join(fk.columns), ", ".join(fk.ref_columns)
        others = [c for c in fk.columns if c != a.columns[0]]
        out.append(
            Finding(
                "missing-foreign-key",
                "warning",
                f"{md_code(left)} → {md_code(right)} exists only as part of a composite foreign key",
                f"{md_code(left)} is a foreign key to {md_code(right)}",
                f"{md_name(table)} ({cols}) references {md_name(ref)} ({ref_cols}): "
                f"{md_code(a.columns[0])} is checked together with {', '.join(f'{md_code(c)}' for c in others)}",
                (ctx.fk_evidence(fk), _manifest_evidence(ctx.manifest, a.line, a.text)),
                f"A join on {md_code(a.columns[0])} alone can match {md_name(ref)} rows of another "
                f"{', '.join(others)}: the plan's joins and policies must use ({cols}).",
                f"foreign-key-{short(table)}-{a.columns[0]}".replace(".", "-"),
                (
                    f"Option A: Update the plan to the composite key ({cols}) → ({ref_cols})",
                    f"Option B: Make {md_code(right)} unique on its own and add the single-column FK (migration)",
                ),
                f"{table}.{a.columns[0]}",
                {
                    "table": table,
                    "columns": list(a.columns),
                    "ref_table": ref,
                    "ref_columns": list(a.ref_columns),
                    "column_exists": True,
                    "composite": _fk_dict(fk),
                    "actual_foreign_keys": [_fk_dict(fk)],
                },
            )
        )
    return out


# Scope ------------------------------------------------------------------------------------------------------


def link_tables(schema: Schema, table: str, entity: str) -> list[str]:
    """Tables with a foreign key to ``table`` and one to ``entity``: many-to-many routes between them."""
    return sorted(
        {
            fk.table
            for fk in schema.foreign_keys_to(table)
            if fk.table not in (table, entity)
            and any(f.ref_table == entity for f in schema.foreign_keys_from(fk.table))
        }
    )


def belongs_to(ctx: Context, table: str, entity: str) -> str | None:
    """How ``table``'s rows belong to ``entity`` (a direct FK, or a link table), or None."""
    direct = next((fk for fk in ctx.schema.foreign_keys_from(table) if fk.ref_table == entity), None)
    if direct is not None:
        return f"FK `{short(table)}.{','.join(direct.columns)}` → {md_name(entity)}"
    links = link_tables(ctx.schema, table, entity)
    if links:
        return f"link table {', '.join(f'{md_name(x)}' for x in links)}"
    return None


def _one_to_one(schema: Schema, fk: ForeignKey) -> bool:
    t = schema.table(fk.table)
    keys = [t.primary_key, *(u.columns for u in t.uniques)] if t else []
    keys += [i.columns for i in schema.indexes if i.table == fk.table and i.unique]
    return any(tuple(k) == tuple(fk.columns) for k in keys) and (t is None or t.primary_key != fk.columns)


def _detail_row(schema: Schema, fk: ForeignKey) -> bool:
    """``fk`` points at a one-to-one detail row (settings, metadata): unique on its side, and every FK to
    the referenced table is one-to-one too (an owner has many rows under it)."""
    return _one_to_one(schema, fk) and all(_one_to_one(schema, f) for f in schema.foreign_keys_to(fk.ref_table))


def detail_owners(schema: Schema, table: str) -> list[str]:
    """The tables ``table`` is a one-to-one detail row of (``Envelope`` for ``DocumentMeta``): every FK to
    it is unique on the referencing side; empty when any is not (or none exists)."""
    fks = [fk for fk in schema.foreign_keys_to(table) if fk.table != table]
    return sorted({fk.table for fk in fks}) if fks and all(_one_to_one(schema, fk) for fk in fks) else []


def owns(schema: Schema, fk: ForeignKey) -> bool:
    """Whether ``fk`` says who owns a row: not ``ON DELETE SET NULL`` (the row outlives the referenced one)
    and not a pointer to a one-to-one detail row (``Envelope.documentMetaId`` → ``DocumentMeta``)."""
    return fk.on_delete != "SET NULL" and not _detail_row(schema, fk)


def owning_paths(
    ctx: Context, table: str, include_external: bool = True, owned_only: bool = False
) -> list[list[str]]:
    """FK paths from ``table`` up to its owner at the top: each path of
    :func:`schemalens.graph.paths_to_root` cut before its first hop that does not own (:func:`owns`),
    shortest first; ``Organisation → User`` rather than ``Organisation → AvatarImage`` (a picture it
    outlives). When no hop owns, the paths as they are (none with ``owned_only``: nothing owns the table)."""
    paths = paths_to_root(ctx.graph, table, include_external=include_external)
    cut: list[list[str]] = []
    for path in paths:
        n = 1
        while n < len(path) and any(
            owns(ctx.schema, fk) for fk in ctx.schema.foreign_keys_from(path[n - 1]) if fk.ref_table == path[n]
        ):
            n += 1
        if n > 1 and path[:n] not in cut:
            cut.append(path[:n])
    cut = [p for p in cut if not any(q != p and q[: len(p)] == p for q in cut)]
    return sorted(cut, key=lambda p: (len(p), p)) or ([] if owned_only else paths)


def owning_foreign_keys(schema: Schema) -> list[ForeignKey]:
    """The foreign keys between tables the migrations create that own their rows (:func:`owns`)."""
    created = {t.name for t in schema.tables}
    return [
        fk
        for fk in schema.foreign_keys
        if fk.table in created and fk.ref_table in created and fk.table != fk.ref_table and owns(schema, fk)
    ]


def owned_roots(ctx: Context) -> dict[str, int]:
    """``{top: tables under it}`` for the tops of the ownership hierarchy among the tables the migrations
    create: referenced by an owning FK (:func:`owns`), owned by none."""
    edges = [(fk.table, fk.ref_table) for fk in owning_foreign_keys(ctx.schema)]
    children: dict[str, set[str]] = {}
    for child, parent in edges:
        children.setdefault(parent, set()).add(child)
    owned = {child for child, _ in edges}
    out = {}
    for top in sorted(set(children) - owned):
        seen, todo = set(), [top]
        while todo:
            for c in children.get(todo.pop(), ()):
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        out[top] = len(seen)
    return out


def required_path(ctx: Context, table: str, target: str) -> tuple[str, ...]:
    """The shortest FK path from ``table`` up to ``target``, preferring among equally short ones the path
    whose hops are required (NOT NULL columns, owning FKs): ``wallet_transactions → wallets → customers``
    rather than through an optional ``credit_note_id``. ``()`` when there is none."""
    shortest = rls.fk_path(ctx.schema, table, target)
    if len(shortest) < 3:
        return shortest
    paths = nx.all_simple_paths(ctx.graph, table, target, cutoff=len(shortest) - 1)

    def optional(path: list[str]) -> int:
        hops = 0
        for child, parent in pairwise(path):
            t = ctx.schema.table(child)
            fks = [fk for fk in ctx.schema.foreign_keys_from(child) if fk.ref_table == parent]
            hops += not any(
                owns(ctx.schema, fk) and t is not None and all(not (c := t.column(n)) or not c.nullable
                                                               for n in fk.columns)
                for fk in fks
            )
        return hops

    best = min((p for p in paths if len(p) == len(shortest)), key=lambda p: (optional(p), p), default=None)
    return tuple(best) if best else shortest


def owner_path(ctx: Context, table: str, towards: str | None = None) -> list[str]:
    """The FK path from ``table`` up to a top that says who owns its rows (see :func:`owning_paths`), one
    through ``towards`` (the plan's entity) when there is one."""
    paths = owning_paths(ctx, table)
    return next((p for p in paths if towards in p), paths[0] if paths else [])


def related_groups(groups: dict[tuple, list]) -> list[tuple[tuple, list]]:
    """``groups`` with each group kept whole only when its tables share a name part (``style_cartridges``,
    ``voice_cartridges``); unrelated tables get one entry each (``items[i][1]`` is the table)."""
    out: list[tuple[tuple, list]] = []
    for key, items in groups.items():
        if len(items) > 1 and group_name([t for _, t, *_ in items], "\0") != "\0":
            out.append((key, items))
        else:
            out += [(key, [item]) for item in items]
    return out


def global_scope(ctx: Context, s: AssumedScope, table: str, entity: str) -> Finding:
    """A ``scope-mismatch`` for a table the plan scopes but nothing owns: no FK up, no policy binding rows."""
    policies = ctx.schema.policies_on(table)
    evidence = [*ctx.table_evidence(table), _manifest_evidence(ctx.manifest, s.line, f"scoping {short(s.table)}: {s.entity_written}")]
    how = (
        f"its {len(policies)} polic{'ies bind' if len(policies) != 1 else 'y binds'} no row to a user or entity"
        if policies
        else "it has no policy"
    )
    return Finding(
        "scope-mismatch",
        "warning",
        f"{md_name(table)} is global, not scoped by {md_name(s.entity)}",
        f"{md_name(table)} scoped by {md_name(s.entity)}",
        f"{md_name(table)} has no owner: no foreign key from it to any table, and {how}",
        tuple(evidence),
        f"- Every {md_name(table)} row is shared by all {md_name(entity)} rows\n"
        f"- Nothing ties a row to one {md_name(entity)}: the plan's per-{md_name(entity)} reads see them all",
        f"scope-of-{short(table).replace('.', '_')}",
        (
            f"Option A: Keep {md_name(table)} global (update the manifest)",
            f"Option B: Scope it: add an FK to {md_name(entity)}, backfill, add policies",
        ),
        table,
        {"group": short(table), "tables": [table], "assumed": s.entity, "assumed_actual": entity,
         "actual": None, "global": True, "fk_scope": {table: None}, "agree": True, "bridge": [],
         "policy_scopes": {table: []}},
    )


__all__ = [
    "belongs_to",
    "composite_containing",
    "composite_foreign_keys",
    "detail_owners",
    "global_scope",
    "link_tables",
    "owned_roots",
    "owner_path",
    "owning_foreign_keys",
    "owning_paths",
    "owns",
    "related_groups",
    "required_path",
]
