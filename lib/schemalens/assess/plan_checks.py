"""Ownership and scope, for what real projects do that a single-column reading misses.

The composite foreign keys of ``missing-foreign-key`` are in :mod:`schemalens.assess.rules.missing_foreign_key`.
Scope (helpers of :func:`schemalens.assess.rules.scope_mismatch.scoping`): a table *belongs* to an entity it has a foreign
  key to, directly or through a many-to-many link table (``prompt_workspaces``), whatever its policies
  restrict per user (:func:`belongs_to`); a one-to-one row it points at (a settings row, its FK column
  unique) is not its owner, nor is a row it outlives (``ON DELETE SET NULL``; :func:`owner_path`); only related tables share one finding
  (:func:`related_groups`); a table with no owner at all is global
  (:func:`schemalens.assess.rules.scope_mismatch.global_scope`).
"""

from __future__ import annotations

from itertools import pairwise

import networkx as nx

from schemalens.assess.findings import Context, group_name, short
from schemalens.core.model import ForeignKey, Schema
from schemalens.core.names import md_name
from schemalens.read import rls
from schemalens.read.graph import paths_to_root

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
    :func:`schemalens.read.graph.paths_to_root` cut before its first hop that does not own (:func:`owns`),
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


__all__ = [
    "belongs_to",
    "detail_owners",
    "link_tables",
    "owned_roots",
    "owner_path",
    "owning_foreign_keys",
    "owning_paths",
    "owns",
    "related_groups",
    "required_path",
]
