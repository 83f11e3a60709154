"""Tables scoped by another entity than the plan assumes (``scope-mismatch``).

Each row reaches the assumed entity along a *route*: its scope column, then the finding's bridge
(``user_id`` → ``users.id``, the profile keyed by the auth user) or its foreign-key path, then foreign
keys up to the entity (``users.client_id`` → ``clients.agency_id``). Rows whose route breaks are
*unmappable*: every option lists them before it runs.

* A: keep the tables as they are (the manifest changes);
* B: re-scope: a new ``<entity>_id`` column on each table, backfilled along the route (the tables'
  update triggers are paused so no other value changes), an index and a policy for the entity's members;
* C (a group of alike tables): one ``<group>`` table with a ``type`` discriminator, the columns the
  tables share, the rest of each row in ``config`` (``to_jsonb(row)`` minus those columns, so a row
  can be rebuilt exactly), the old id in ``legacy_id``; every mappable row copied; the old tables stay;
* D: as C, then the old tables move to the schema ``<group>_archive`` (out of the API); it refuses to
  run while a row is unmappable, and its rollback moves them back with their rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemalens.names import md_name
from schemalens.decisions import Check, Decision, Option, Risk, slug
from schemalens.options import AUTH_USERS, Context, name_list
from schemalens.report import decision_title
from schemalens.rewrite import fk_column_name, path_foreign_keys
from schemalens.names import relation
from schemalens.sqlgen import (
    ACCESS_SHARE,
    ROW_EXCLUSIVE,
    ROW_SHARE,
    add_column,
    create_index,
    create_policy,
    create_schema,
    create_table,
    create_trigger,
    drop_column,
    drop_policy,
    drop_schema,
    drop_table,
    enable_rls,
    enable_trigger,
    ident,
    idents,
    literal,
    set_schema,
    short,
    singular,
    step,
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
    from schemalens.rls import fk_path

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


def build(ctx: Context, did: str, findings: list) -> tuple[Decision | None, str]:
    f = next(f for f in findings if f.code == "scope-mismatch")
    d = f.data
    tables, entity, actual = list(d["tables"]), d["assumed_actual"], d["actual"]
    routes = {t: route(ctx, t, d) for t in tables}
    if not all(routes.values()) or ctx.schema.table(entity) is None:
        return None, f"no route from {name_list(tables)} to {short(entity)}: nothing to re-scope along"
    options = [_keep(ctx, did, d), _rescope(ctx, did, d, routes)]
    unified = f"public.{d['group']}"
    if (
        len(tables) > 1
        and ctx.schema.table(unified) is None
        and all(len(ctx.schema.table(t).primary_key) == 1 for t in tables)
    ):
        options += [_unify(ctx, did, d, routes, archive=False), _unify(ctx, did, d, routes, archive=True)]
    rec = "C" if len(options) > 2 else "B"
    label = f"the {len(tables)} `{d['group']}` tables" if len(tables) > 1 else f"{md_name(tables[0])}"
    return Decision(
        did,
        decision_title(did, f),
        f"Keep {label} scoped by {md_name(actual)}, or scope them by {md_name(entity)} as the plan assumes?",
        tuple(options),
        tuple(findings),
        rec,
        "The plan's model (rows shared by the entity) without dropping anything; "
        + (
            "D once the application has switched to the new table."
            if rec == "C"
            else "A if the rows are meant to stay personal."
        ),
    ), ""


def _keep(ctx: Context, did: str, d: dict) -> Option:
    title = f"Keep them scoped by {md_name(d['actual'])}"
    return Option(
        did,
        "A",
        slug("A", "Keep"),
        title,
        f"No schema change: the manifest scopes {name_list(d['tables'])} by {md_name(d['actual'])}.",
        (),
        (),
        (),
        (),
        (
            Risk("breaking", "None."),
            Risk("data", "None."),
            Risk("lock", "None."),
            Risk("reversibility", "Nothing to roll back."),
        ),
        ctx.impact(
            d["tables"],
            effects={
                k: "unchanged" for k in ("foreign key", "policy", "trigger", "index", "function", "view")
            },
        ),
        manifest="\n".join(f"{short(t)}: {short(d['actual'])}" for t in d["tables"]),
    )


def _policy_name(entity: str, tbl: str) -> str:
    return f"{singular(entity).capitalize()} members can manage {short(tbl)}"


def _rescope(ctx: Context, did: str, d: dict, routes: dict[str, list[Hop]]) -> Option:
    entity = d["assumed_actual"]
    col = fk_column_name(ctx.schema, entity)
    key = ctx.schema.table(entity).primary_key[0]
    key_type = ctx.schema.table(entity).column(key).type
    chain = ctx.chain_select(entity)
    up, down = [], []
    for tbl, hops in routes.items():
        first = hops[0]
        joins = _joins(hops[1:], alias=ident(relation(first.ref))) if len(hops) > 1 else ""
        triggers = [t for t in ctx.schema.triggers_on(tbl) if "UPDATE" in t.events and t.timing == "BEFORE"]
        up.append(add_column(tbl, col, key_type, entity, key, "CASCADE"))
        up += [enable_trigger(tbl, t.name, False) for t in triggers]
        reads = [(h.ref, ACCESS_SHARE) for h in hops[:-1]]
        up.append(
            step(
                f"UPDATE {table(tbl)} AS t\nSET {ident(col)} = {_value(hops)}\n"
                f"FROM {table(first.ref)}"
                + (f"\n{joins}" if joins else "")
                + f"\nWHERE {ident(relation(first.ref))}.{ident(first.ref_column)} = "
                f"t.{ident(first.column)}",
                (tbl, ROW_EXCLUSIVE),
                *reads,
                (entity, ROW_SHARE),
                note=f"backfill {short(tbl)}.{col} along the route (the new key is checked: ROW SHARE on "
                f"{short(entity)})",
            )
        )
        up += [enable_trigger(tbl, t.name, True) for t in triggers]
        up.append(create_index(ctx.index_name(tbl, [col]), tbl, [col]))
        undo = [drop_column(tbl, col, entity)]
        if chain:
            cond = f"{ident(col)} IN ({chain})"
            up.append(
                create_policy(
                    _policy_name(entity, tbl), tbl, "ALL", cond, cond, reads=ctx.chain_tables(entity)
                )
            )
            undo.insert(0, drop_policy(_policy_name(entity, tbl), tbl))
        down = undo + down  # the last table first; each table's policy before the column it uses
    checks = (
        Check(
            "column-free",
            "SELECT attrelid::regclass AS table_name, attname FROM pg_catalog.pg_attribute\n"
            f"WHERE attname = {literal(col)} AND NOT attisdropped AND attrelid IN ("
            + ", ".join(f"{literal(table(t))}::regclass" for t in routes)
            + ")",
            f"A row means a table has a column `{col}` already: up.sql would fail.",
            blocking=True,
        ),
        Check(
            "unmappable",
            unmappable_sql(routes),
            f"Rows whose route to {md_name(entity)} breaks: they keep "
            f"`{col}` NULL and stay visible to their owner only.",
        ),
        Check("per-entity", _per_entity_sql(routes), f"How many rows each {singular(entity)} gets."),
    )
    title = f"Re-scope to {md_name(entity)}: a new column `{col}` on each table"
    return Option(
        did,
        "B",
        slug("B", "Re-scope"),
        title,
        f"Each table gets `{col}` → {md_name(entity)}, backfilled along "
        + " → ".join(f"{short(h.table)}.{h.column}" for h in next(iter(routes.values())))
        + f", an index and a policy for the members of the {singular(entity)}; the owner's policies stay.",
        tuple(up),
        tuple(down),
        checks,
        (),
        (
            Risk(
                "breaking",
                f"New rows must set `{col}` (the application, or a trigger): without it they stay "
                "owner-only. "
                "Clients that `SELECT *` get one more column.",
            ),
            Risk(
                "data",
                f"The backfill writes `{col}` on every mappable row; the update triggers are paused "
                "meanwhile, so "
                "no other value changes. Unmappable rows keep NULL (preflight `unmappable`).",
            ),
            Risk(
                "lock",
                f"ACCESS EXCLUSIVE on {name_list(routes)} for the whole transaction (ADD COLUMN, then the "
                f"backfill scans under it); SHARE ROW EXCLUSIVE on {md_name(entity)} for the new foreign "
                "keys.",
            ),
            Risk(
                "reversibility",
                f"down.sql drops the column (with its index, foreign key and policy): `{col}` values "
                "written after up are lost; every other value is as before.",
            ),
        ),
        ctx.impact(
            list(routes),
            effects={
                "policy": "stays; a new policy adds the entity's members",
                "trigger": "paused during the backfill",
                "foreign key": "unchanged",
                "index": "unchanged",
                "document": "rewritten to the new column",
            },
        ),
        unsafe=(
            (
                f"writes every row of {len(routes)} table{'s' if len(routes) > 1 else ''} (backfill); "
                "down.sql drops the new column"
            ),
        ),
        manifest="\n".join(f"{short(t)}: {short(entity)}" for t in routes),
    )


def _type_of(tbl: str, group: str) -> str:
    name = relation(tbl)
    if name.endswith(f"_{group}"):
        return name[: -len(group) - 1]
    if name.startswith(f"{group}_"):
        return name[len(group) + 1 :]
    return name


def _unify(ctx: Context, did: str, d: dict, routes: dict[str, list[Hop]], archive: bool) -> Option:
    schema, entity, group, actual = ctx.schema, d["assumed_actual"], d["group"], d["actual"]
    unified = f"public.{group}"
    tables = list(routes)
    first = schema.table(tables[0])
    owner = {routes[t][0].column for t in tables}
    owner_col = owner.pop() if len(owner) == 1 else None
    pk = first.primary_key[0]
    skip = {pk} | {routes[t][0].column for t in tables}
    common = [
        c
        for c in first.columns
        if c.name not in skip
        and all((o := schema.table(t).column(c.name)) is not None and o.type == c.type for t in tables[1:])
    ]
    col = fk_column_name(schema, entity)
    key = schema.table(entity).primary_key[0]
    types = {t: _type_of(t, group) for t in tables}
    lines = [
        f"  id {first.column(pk).type} PRIMARY KEY"
        + (f" DEFAULT {first.column(pk).default}" if first.column(pk).default else ""),
        (
            f"  {ident(col)} {schema.table(entity).column(key).type} NOT NULL REFERENCES {table(entity)} "
            f"({ident(key)}) ON DELETE CASCADE"
        ),
        f"  type text NOT NULL CHECK (type IN ({', '.join(literal(v) for v in types.values())}))",
    ]
    for c in common:
        defaults = {schema.table(t).column(c.name).default for t in tables}
        nullable = any(schema.table(t).column(c.name).nullable for t in tables)
        default = f" DEFAULT {defaults.pop()}" if len(defaults) == 1 and None not in defaults else ""
        lines.append(f"  {ident(c.name)} {c.type}{'' if nullable else ' NOT NULL'}{default}")
    references = [entity]
    if owner_col:
        owner_type = first.column(owner_col).type
        scope_fk = next(fk for fk in schema.foreign_keys_from(tables[0]) if fk.columns == (owner_col,))
        on_actual = (
            f" REFERENCES {table(actual)} ({ident(scope_fk.ref_columns[0])}) ON DELETE SET NULL"
            if actual == AUTH_USERS
            else ""
        )
        lines.append(f"  {ident(owner_col)} {owner_type}{on_actual}")
        if on_actual:
            references.append(actual)
    lines += [
        "  config jsonb NOT NULL DEFAULT '{}'",
        f"  legacy_id {first.column(pk).type}",
        "  UNIQUE (type, legacy_id)",
    ]
    names = [c.name for c in common] + ([owner_col] if owner_col else [])
    dropped = [pk] + ([owner_col] if owner_col else []) + [c.name for c in common]
    up = [
        create_table(unified, ",\n".join(lines), references),
        create_index(ctx.index_name(unified, [col, "type"]), unified, [col, "type"]),
    ]
    if owner_col:
        up.append(create_index(ctx.index_name(unified, [owner_col]), unified, [owner_col]))
    for t, hops in routes.items():
        select = ", ".join(
            [_value(hops), literal(types[t])]
            + [f"t.{ident(n)}" for n in names]
            + [f"to_jsonb(t) - ARRAY[{', '.join(literal(n) for n in dropped)}]", f"t.{ident(pk)}"]
        )
        up.append(
            step(
                f"INSERT INTO {table(unified)} ({idents([col, 'type', *names, 'config', 'legacy_id'])})\n"
                f"SELECT {select}\nFROM {table(t)} AS t\n{_joins(hops)}\nWHERE {_value(hops)} IS NOT NULL",
                (unified, ROW_EXCLUSIVE),
                (t, ACCESS_SHARE),
                *[(h.ref, ACCESS_SHARE) for h in hops[:-1]],
                *[(r, ROW_SHARE) for r in references],
                note=f"copy the mappable rows of {short(t)} (their keys are checked: ROW SHARE on "
                f"{', '.join(short(r) for r in references)})",
            )
        )
    up.append(enable_rls(unified))
    chain = ctx.chain_select(entity)
    if chain:
        cond = f"{ident(col)} IN ({chain})"
        up.append(
            create_policy(
                _policy_name(entity, unified), unified, "ALL", cond, cond, reads=ctx.chain_tables(entity)
            )
        )
    trig = [schema.triggers_on(t) for t in tables]
    for tr in trig[0]:
        if all(
            any((o.function, o.timing, o.events) == (tr.function, tr.timing, tr.events) for o in ts)
            for ts in trig
        ):
            name = tr.name.replace(relation(tables[0]), group)
            up.append(create_trigger(name, unified, tr.timing, " OR ".join(tr.events), tr.function))
    down = [drop_table(unified, references)]
    archive_schema = f"{group}_archive"
    unmappable = unmappable_sql(routes)
    if archive:
        guard = (
            "DO $guard$\nDECLARE\n  unmapped bigint;\nBEGIN\n  SELECT count(*) INTO unmapped FROM "
            f"(\n{unmappable}\n"
            f"  ) AS u;\n  IF unmapped > 0 THEN\n    RAISE EXCEPTION '% rows of the {group} tables cannot be "
            "mapped to "
            f"{short(entity)}: see preflight.sql (unmappable); nothing was changed', unmapped;\n  END "
            "IF;\nEND\n$guard$"
        )
        reads = [(t, ACCESS_SHARE) for t in tables] + [
            (h.ref, ACCESS_SHARE) for t in tables for h in routes[t][:-1]
        ]
        up.insert(0, step(guard, *reads, note="refuse to run while a row cannot be mapped"))
        up += [create_schema(archive_schema)] + [set_schema(t, archive_schema) for t in tables]
        down = [set_schema(f"{archive_schema}.{relation(t)}", "public") for t in reversed(tables)]
        down += [drop_schema(archive_schema), drop_table(unified, references)]
    where = archive_schema if archive else "public"
    changed = "\nUNION ALL\n".join(
        f"SELECT {literal(short(t))} AS source, u.legacy_id FROM {table(unified)} AS u\n"
        f"JOIN {ident(where)}.{ident(relation(t))} AS t ON t.{ident(pk)} = u.legacy_id AND u.type = "
        f"{literal(types[t])}\nWHERE {rebuild_sql(names, pk)} IS DISTINCT FROM to_jsonb(t)"
        for t in tables
    )
    checks = [
        Check(
            "name-free",
            f"SELECT to_regclass({literal(table(unified))}) AS taken WHERE to_regclass("
            f"{literal(table(unified))}) IS NOT NULL",
            f"A row means {md_name(unified)} exists already: up.sql would fail.",
            blocking=True,
        ),
        Check(
            "unmappable",
            unmappable,
            f"Rows whose route to {md_name(entity)} breaks (e.g. an owner with no "
            + (f"{md_name(d['bridge'][0])} row" if d.get("bridge") else "parent")
            + "): "
            + (
                "up.sql refuses to run while any is left (archiving would hide them); map or delete them "
                "first."
                if archive
                else "they are not copied and stay in the old tables only."
            ),
            blocking=archive,
        ),
        Check(
            "per-entity", _per_entity_sql(routes), f"How many rows each {singular(entity)} gets in `{group}`."
        ),
        Check(
            "new-rows",
            f"SELECT * FROM {table(unified)} WHERE legacy_id IS NULL",
            "Rows created in the new table since up: down.sql drops them. Copy them out first.",
            when="before down",
            blocking=True,
        ),
        Check(
            "changed-rows",
            changed,
            "Copied rows changed in the new table since up: down.sql "
            + (
                "restores the old tables as they were at up, so these changes are lost."
                if archive
                else "drops the new table, so these changes are lost (the old tables never had them)."
            ),
            when="before down",
            blocking=True,
        ),
    ]
    moved = len(tables)
    title = f"Unify into one `{group}` table scoped by {md_name(entity)}" + (
        ", archiving the old tables" if archive else ", keeping the old tables"
    )
    risks = [
        Risk(
            "breaking",
            f"Clients that use the old tables fail after up: they move to the schema `{archive_schema}`, "
            "outside the API."
            if archive
            else f"None for existing clients: the old tables stay. Until the application switches to "
            f"`{group}`, new writes go to one copy only and the two drift; the old tables stay the source of "
            "truth until then.",
        ),
        Risk(
            "data",
            f"Copies every mappable row of {moved} tables (preflight `per-entity`); shared columns are "
            f"copied as they are, the rest of each row goes into `config`, the old id into `legacy_id`. "
            + (
                "It refuses to run while a row is unmappable."
                if archive
                else "Unmappable rows are not copied."
            ),
        ),
        Risk(
            "lock",
            f"SHARE ROW EXCLUSIVE on {name_list(references)} (the new foreign keys); ACCESS SHARE on the old "
            "tables while they are read"
            + (
                ", then ACCESS EXCLUSIVE on each to move it (SET SCHEMA)."
                if archive
                else "; writes to them go on."
            ),
        ),
        Risk(
            "reversibility",
            "down.sql "
            + (
                f"moves the old tables back with their rows as they were at up, drops "
                f"`{archive_schema}` and `{group}`"
                if archive
                else f"drops `{group}`"
            )
            + ": rows created or changed there since up are lost (checks `new-rows`, `changed-rows`).",
        ),
    ]
    return Option(
        did,
        "D" if archive else "C",
        slug(
            "D" if archive else "C",
            "Unify and archive the old tables" if archive else "Unify and keep the old tables",
        ),
        title,
        f"One `{group}` table (`{col}`, `type` in {', '.join(types.values())}, the shared columns "
        f"{', '.join(names)}, the rest in `config`), its rows copied along the route, RLS for the "
        f"members of the {singular(entity)}"
        + (
            f"; the old tables then move to `{archive_schema}`."
            if archive
            else "; the old tables stay as they are."
        ),
        tuple(up),
        tuple(down),
        tuple(checks),
        (),
        tuple(risks),
        ctx.impact(
            tables + [entity],
            effects={
                "document": f"rewritten; a document that creates `{group}` carries this out instead of "
                "up.sql",
                **{
                    k: (
                        f"moves with its table to `{archive_schema}`"
                        if archive
                        else "unchanged (the old tables stay)"
                    )
                    for k in ("policy", "trigger", "index", "foreign key")
                },
            },
            document_tables=[unified],
        ),
        unsafe=(
            (
                "moves the old tables out of the API",
                "copies rows; down.sql drops the new table with what was written there",
            )
            if archive
            else ("copies rows into a new table; down.sql drops it with what was written there",)
        ),
        manifest=f"scoping: {group}: {short(entity)}"
        + ("" if archive else "; the old tables stay as they are"),
        creates=(unified,),
        moves=tuple(tables),
    )


def rebuild_sql(names: list[str], pk: str, alias: str = "u") -> str:
    """An old row's jsonb rebuilt from its unified row (``to_jsonb(old row)`` when nothing changed)."""
    pairs = [f"{literal(pk)}, {alias}.legacy_id"] + [f"{literal(n)}, {alias}.{ident(n)}" for n in names]
    return f"({alias}.config || jsonb_build_object({', '.join(pairs)}))"
