"""Routes from a row to the entity the plan assumes: its scope column, then the finding's bridge or its
foreign-key path, then foreign keys up to the entity; the joins and values along a route, and the rows
whose route breaks (*unmappable*).
"""

from __future__ import annotations

from dataclasses import dataclass

from schemalens.core.names import relation
from schemalens.decide.options import Context
from schemalens.decide.options.policies import derive_trigger
from schemalens.decide.rewrite import path_foreign_keys
from schemalens.decide.sqlgen import (
    ident,
    literal,
    short,
    table,
)


@dataclass(frozen=True)
class Hop:
    table: str
    column: str
    ref: str
    ref_column: str


def route(ctx: Context, tbl: str, data: dict) -> list[Hop]:
    """The hops from ``tbl`` to the assumed entity (empty when there is no such route)."""
    from schemalens.read.rls import fk_path

    schema, entity, actual = ctx.schema, data["assumed_actual"], data["actual"]
    bridge = data.get("bridge") or []
    if bridge:
        scope_fk = next(
            (fk for fk in schema.foreign_keys_from(tbl) if fk.ref_table == actual and len(fk.columns) == 1),
            None,
        )
        start = schema.table(bridge[0])
        fks = path_foreign_keys(schema, bridge)
        if scope_fk is None or start is None or len(start.primary_key) != 1 or not fks:
            return []
        return [Hop(tbl, scope_fk.columns[0], bridge[0], start.primary_key[0])] + [
            Hop(f.table, f.columns[0], f.ref_table, f.ref_columns[0]) for f in fks
        ]
    fks = path_foreign_keys(schema, list(fk_path(schema, tbl, entity)))
    return [Hop(f.table, f.columns[0], f.ref_table, f.ref_columns[0]) for f in fks]


def _joins(hops: list[Hop], alias: str = "t", left: bool = False, sep: str | None = "\n"):
    """``JOIN users ON users.id = t.user_id JOIN clients ON …`` for every hop but the last (joined by
    ``sep``; the list of joins when ``sep`` is None)."""
    kind = "LEFT JOIN" if left else "JOIN"
    prev, out = alias, []
    for h in hops[:-1]:
        ref = ident(relation(h.ref))
        out.append(f"{kind} {table(h.ref)} ON {ref}.{ident(h.ref_column)} = {prev}.{ident(h.column)}")
        prev = ref
    return out if sep is None else sep.join(out)


def _value(hops: list[Hop], alias: str = "t") -> str:
    last = hops[-1]
    ref = alias if len(hops) == 1 else ident(relation(last.table))
    return f"{ref}.{ident(last.column)}"


def route_value_sql(hops: list[Hop], owner: str) -> str:
    """``SELECT <entity key> FROM <first hop's table> JOIN … WHERE <its key> = <owner>``: the entity a row
    with owner value ``owner`` (SQL) belongs to; for a route of more than one hop."""
    first = hops[0]
    alias = ident(relation(first.ref))
    joins = _joins(hops[1:], alias=alias) if len(hops) > 1 else ""
    return (f"SELECT {_value(hops)}\nFROM {table(first.ref)}" + (f"\n{joins}" if joins else "")
            + f"\nWHERE {alias}.{ident(first.ref_column)} = {owner}")


def _derive(ctx: Context, tbl: str, col: str, hops: list[Hop], entity: str) -> tuple[list, list, str]:
    """``(up, down, trigger name)``: the trigger that keeps ``tbl.col`` equal to the owner's entity (see
    :mod:`.policies`)."""
    fn_names = {f.name for f in ctx.schema.functions}
    name = relation(tbl)
    function = ctx.unique_name(f"public.set_{name}_{col}", fn_names)
    trigger = ctx.unique_name(f"set_{name}_{col}", {t.name for t in ctx.schema.triggers_on(tbl)})
    value = route_value_sql(hops, f"NEW.{ident(hops[0].column)}").replace("\n", "\n    ")
    return (*derive_trigger(tbl, col, hops[0].column, value, trigger, function), trigger)


def unmappable_sql(routes: dict[str, list[Hop]]) -> str:
    parts = [
        f"SELECT {literal(short(t))} AS source, t.{ident(h[0].column)} AS owner, to_jsonb(t) AS row_data\n"
        f"FROM {table(t)} AS t\n{_joins(h, left=True)}\nWHERE {_value(h)} IS NULL".replace(
            "\n\nWHERE", "\nWHERE"
        )
        for t, h in routes.items()
    ]
    return "\nUNION ALL\n".join(parts)


def _per_entity_sql(routes: dict[str, list[Hop]]) -> str:
    inner = "\nUNION ALL\n".join(
        f"SELECT {_value(h)} AS entity FROM {table(t)} AS t\n{_joins(h)}".rstrip() for t, h in routes.items()
    )
    return (
        f"SELECT entity, count(*) AS rows\nFROM (\n{inner}\n) AS mapped\n"
        "WHERE entity IS NOT NULL\nGROUP BY entity\nORDER BY entity"
    )
