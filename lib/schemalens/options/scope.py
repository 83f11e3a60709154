"""Tables scoped by another entity than the plan assumes (``scope-mismatch``).

Each row reaches the assumed entity along a *route*: its scope column, then the finding's bridge
(``user_id`` → ``users.id``, the profile keyed by the auth user) or its foreign-key path, then foreign
keys up to the entity (``users.client_id`` → ``clients.agency_id``). Rows whose route breaks are
*unmappable*: every option lists them before it runs.

* A: keep the tables as they are (the manifest changes);
* B: re-scope: a new ``<entity>_id`` column on each table, backfilled along the route (the tables'
  update triggers are paused so no other value changes), a trigger deriving it from the owner, an index and
  a read policy for the entity's members (writes stay the owner's);
* C (a group of alike tables): one ``<group>`` table with a ``type`` discriminator, the columns the
  tables share, the rest of each row in ``config`` (``to_jsonb(row)`` minus those columns, so a row
  can be rebuilt exactly), the old id in ``legacy_id``; every mappable row copied; the old tables stay;
* D: as C, then the old tables move to the schema ``<group>_archive`` (out of the API); it refuses to
  run while a row is unmappable, and its rollback moves them back with their rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemalens.decisions import Check, Decision, Option, Risk, Stage, slug
from schemalens.names import dollar_quote, md_name, relation
from schemalens.options import AUTH_USERS, Context, name_list
from schemalens.options.policies import derive_trigger, member_policies
from schemalens.options.valid import scope_column
from schemalens.phased import (
    BATCH,
    batched_update,
    create_index_concurrently,
    invalid_index_check,
    volume_check,
)
from schemalens.report import decision_title
from schemalens.rewrite import fk_column_name, path_foreign_keys
from schemalens.sqlgen import (
    ACCESS_EXCLUSIVE,
    ACCESS_SHARE,
    ROW_EXCLUSIVE,
    ROW_SHARE,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    add_column,
    add_foreign_key,
    create_index,
    create_schema,
    create_table,
    create_trigger,
    drop_column,
    drop_schema,
    drop_table,
    enable_rls,
    enable_trigger,
    ident,
    idents,
    literal,
    lock_up_front,
    set_schema,
    short,
    singular,
    step,
    table,
    validate_constraint,
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


def build(ctx: Context, did: str, findings: list) -> tuple[Decision | None, str]:
    f = next(f for f in findings if f.code == "scope-mismatch")
    d = f.data
    tables, entity, actual = list(d["tables"]), d["assumed_actual"], d["actual"]
    routes = {t: route(ctx, t, d) for t in tables}
    if not all(routes.values()) or ctx.schema.table(entity) is None:
        return None, f"no route from {name_list(tables)} to {short(entity)}: nothing to re-scope along"
    col = fk_column_name(ctx.schema, entity)
    why_not = {t: why for t in tables if (why := scope_column(ctx.schema, t, entity, col))}
    fits = {t: hops for t, hops in routes.items() if t not in why_not}
    options = [_keep(ctx, did, d)] + ([_rescope(ctx, did, d, fits)] if fits else [])
    unified = f"public.{d['group']}"
    if (
        len(tables) > 1
        and ctx.schema.table(unified) is None
        and all(len(ctx.schema.table(t).primary_key) == 1 for t in tables)
    ):
        options += [_unify(ctx, did, d, routes, archive=False), _unify(ctx, did, d, routes, archive=True)]
    rec = "C" if len(options) > 2 and fits else "B" if fits else "A"
    label = f"the {len(tables)} `{d['group']}` tables" if len(tables) > 1 else f"{md_name(tables[0])}"
    return Decision(
        did,
        decision_title(did, f),
        f"Keep {label} scoped by {md_name(actual)}, or scope them by {md_name(entity)} as the plan assumes?",
        tuple(options),
        tuple(findings),
        rec,
        ("The plan's model (rows shared by the entity) without dropping anything; "
         + (
             "D once the application has switched to the new table."
             if rec == "C"
             else "A if the rows are meant to stay personal."
         ) if rec != "A" else "A: no table can take the new key without duplicating one it has.")
        + "".join(f" B leaves out {short(t)}: {why}." for t, why in why_not.items()),
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
    # expand and contract: up.sql only changes the catalog (every lock taken up front); the rows are
    # written by backfill-<table>.sql, checked by validate.sql; the index and the policies come after
    up: list = [lock_up_front([(t, ACCESS_EXCLUSIVE) for t in routes] + [(entity, SHARE_ROW_EXCLUSIVE)])]
    backfill, validate, index, policies, down, indexes = [], [], [], [], [], []
    for tbl, hops in routes.items():
        first = hops[0]
        joins = _joins(hops[1:], alias=ident(relation(first.ref))) if len(hops) > 1 else ""
        triggers = [t.name for t in ctx.schema.triggers_on(tbl) if "UPDATE" in t.events and t.timing == "BEFORE"]
        fkey = ctx.unique_name(f"{relation(tbl)}_{col}_fkey", ctx.constraint_names(tbl))
        up.append(add_column(tbl, col, key_type))
        up.append(add_foreign_key(tbl, fkey, [col], entity, [key], "CASCADE"))
        undo = [drop_column(tbl, col, entity)]
        if len(hops) > 1:
            derive_up, derive_down, trigger = _derive(ctx, tbl, col, hops, entity)
            up += derive_up
            undo = derive_down + undo
            triggers.append(trigger)  # paused during the backfill too: it would compute the same value again
        reads = [(h.ref, ACCESS_SHARE) for h in hops[:-1]]
        pk = ctx.schema.table(tbl).primary_key
        if len(pk) == 1:  # batches by key, each its own transaction; no trigger is disabled (phased.py)
            fill = [batched_update(
                tbl, pk[0], f"{ident(col)} = {_value(hops)}", f"{table(first.ref)}" + (f"\n{joins}" if joins else ""),
                f"{ident(relation(first.ref))}.{ident(first.ref_column)} = t.{ident(first.column)}\n"
                f"AND t.{ident(col)} IS DISTINCT FROM {_value(hops)}", reads,
                note=f"backfill {short(tbl)}.{col} along the route, {BATCH:,} rows per transaction (the new key "
                "is checked by validate.sql)")]
        else:
            fill = [enable_trigger(tbl, t, False) for t in triggers]
            fill.append(
                step(
                    f"UPDATE {table(tbl)} AS t\nSET {ident(col)} = {_value(hops)}\n"
                    f"FROM {table(first.ref)}"
                    + (f"\n{joins}" if joins else "")
                    + f"\nWHERE {ident(relation(first.ref))}.{ident(first.ref_column)} = "
                    f"t.{ident(first.column)}\n  AND t.{ident(col)} IS DISTINCT FROM {_value(hops)}",
                    (tbl, ROW_EXCLUSIVE),
                    *reads,
                    (entity, ROW_SHARE),
                    note=f"backfill {short(tbl)}.{col} along the route (the new key is checked: ROW SHARE on "
                    f"{short(entity)})",
                )
            )
            fill += [enable_trigger(tbl, t, True) for t in triggers]
        # one transaction per table: each table's writes wait only while its own rows are written
        backfill.append(Stage(f"backfill-{relation(tbl)}", tuple(fill),
                              f"write `{col}` on the rows of {short(tbl)} that existed before up"))
        validate.append(validate_constraint(tbl, fkey, entity))
        indexes.append((ctx.index_name(tbl, [col]), tbl))
        index.append(create_index_concurrently(*indexes[-1], [col]))
        if chain:
            # read for the members; writes stay with the owner's own policies
            pol_up, pol_down = member_policies(tbl, entity, col, chain, ctx.chain_tables(entity), writes="none")
            policies += pol_up
            undo = pol_down + undo
        down = undo + down  # the last table first; each table's policy before the column it uses
    # every lock up front, in up's order, 200 ms per attempt: the rollback queues in front of the
    # application's reads at most that long of the tables and of the entity (dropping the column drops its foreign key there)
    down = [lock_up_front([(t, ACCESS_EXCLUSIVE) for t in routes] + [(entity, ACCESS_EXCLUSIVE)]), *down]
    stages = (
        *backfill,
        Stage("validate", tuple(validate), "check the backfilled keys"),
        Stage("index", tuple(index), f"index `{col}`"),
        Stage("policies", tuple(policies), "let the members read, once every row has its key"),
    )
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
        volume_check(list(routes)),
        invalid_index_check(indexes, "index"),
    )
    title = f"Re-scope to {md_name(entity)}: a new column `{col}` on each table"
    return Option(
        did,
        "B",
        slug("B", "Re-scope"),
        title,
        f"Each table gets `{col}` → {md_name(entity)}, backfilled along "
        + " → ".join(f"{short(h.table)}.{h.column}" for h in next(iter(routes.values())))
        + f", kept by a trigger that derives it from the owner, an index, and a read policy for the members "
        f"of the {singular(entity)}; the owner's policies stay the only way to write. In phases: up.sql "
        "changes only the catalog (nullable column, foreign key NOT VALID, the trigger), then backfill-<table>.sql, "
        f"validate.sql, index.sql and policies.sql; the backfills commit every {BATCH:,} rows and the indexes are "
        "built CONCURRENTLY (both in autocommit, whatever the tables' size: see preflight `volume`).",
        tuple(up),
        tuple(down),
        checks,
        tuple(st for st in stages if st.steps),
        (
            Risk(
                "breaking",
                f"A trigger derives `{col}` from the owner on every insert and update (a value the "
                "client sends is replaced). Clients that `SELECT *` get one more column.",
            ),
            Risk(
                "data",
                f"From up.sql on, the trigger sets `{col}` on every row inserted or updated; backfill-<table>.sql "
                f"writes it on every other mappable row (each row once, {BATCH:,} rows per transaction; in "
                "the backfill's own transactions the table's triggers do not fire (session_replication_role = "
                "replica, so no other value changes), while the application's writes meanwhile fire them as "
                "always; no trigger is disabled). It needs a role allowed to set session_replication_role (a "
                "superuser, or GRANT SET ON PARAMETER, PostgreSQL 15+). Unmappable rows keep NULL (preflight "
                "`unmappable`).",
            ),
            Risk(
                "lock",
                f"up.sql: ACCESS EXCLUSIVE on {name_list(routes)} and SHARE ROW EXCLUSIVE on "
                f"{md_name(entity)}, taken up front in one order (200 ms per attempt, 10 attempts) and held "
                "only while the catalog changes (no row is read or written). backfill-<table>.sql, in "
                f"autocommit: ROW EXCLUSIVE on that table and the locks of one batch's rows ({BATCH:,}) per "
                "transaction (reads and writes go on; a writer waits at most for one batch's row). validate.sql: "
                "SHARE UPDATE EXCLUSIVE (reads and writes go on). index.sql, in autocommit: CREATE INDEX "
                "CONCURRENTLY, SHARE UPDATE EXCLUSIVE (reads and writes go on); a build that fails leaves an "
                "INVALID index (preflight `invalid-index` says how to retry). policies.sql: ACCESS EXCLUSIVE, briefly.",
            ),
            Risk(
                "reversibility",
                f"down.sql drops the column (with its index, foreign key and policy): `{col}` values "
                "written after up are lost; every other value is as before. It takes ACCESS EXCLUSIVE on the "
                f"tables and on {md_name(entity)} up front, in up's order, 200 ms per attempt (10 attempts): their "
                "readers wait at most 200 ms behind an attempt, and the locks are held only while the catalog changes.",
            ),
            Risk(
                "security",
                f"Widens reading: each {singular(entity)}'s members read its rows (today only the "
                "owner). Writes do not widen: only the owner's policies allow them, and the trigger keeps "
                f"`{col}` on the owner's {singular(entity)}.",
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
        widens=("read",),
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
        f"  {ident(col)} {schema.table(entity).column(key).type} NOT NULL",
        f"  type text NOT NULL CHECK (type IN ({', '.join(literal(v) for v in types.values())}))",
    ]
    for c in common:
        defaults = {schema.table(t).column(c.name).default for t in tables}
        nullable = any(schema.table(t).column(c.name).nullable for t in tables)
        default = f" DEFAULT {defaults.pop()}" if len(defaults) == 1 and None not in defaults else ""
        lines.append(f"  {ident(c.name)} {c.type}{'' if nullable else ' NOT NULL'}{default}")
    references = [entity]
    fks = [(col, entity, key, "CASCADE")]  # added after the copy, NOT VALID: see the lock risk
    if owner_col:
        owner_type = first.column(owner_col).type
        scope_fk = next(fk for fk in schema.foreign_keys_from(tables[0]) if fk.columns == (owner_col,))
        not_null = "" if any(schema.table(t).column(owner_col).nullable for t in tables) else " NOT NULL"
        lines.append(f"  {ident(owner_col)} {owner_type}{not_null}")
        if actual == AUTH_USERS:
            references.append(actual)
            # the old tables' action is kept (CASCADE: deleting a user deletes their rows)
            fks.append((owner_col, actual, scope_fk.ref_columns[0], scope_fk.on_delete))
    lines += [
        "  config jsonb NOT NULL DEFAULT '{}'",
        f"  legacy_id {first.column(pk).type}",
        "  UNIQUE (type, legacy_id)",
    ]
    names = [c.name for c in common] + ([owner_col] if owner_col else [])
    dropped = [pk] + ([owner_col] if owner_col else []) + [c.name for c in common]
    up = [
        create_table(unified, ",\n".join(lines)),
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
                note=f"copy the mappable rows of {short(t)} (their keys come from existing rows)",
            )
        )
    up.append(enable_rls(unified))
    chain = ctx.chain_select(entity)
    if chain:
        up += member_policies(unified, entity, col, chain, ctx.chain_tables(entity), owner=owner_col,
                              writes="owner" if owner_col else "members")[0]
    hops = routes[tables[0]]
    derived = bool(owner_col) and len(hops) > 1 and all(routes[t][1:] == hops[1:] for t in tables)
    derive_down = []
    if derived:
        derive_up, derive_down, _ = _derive(
            ctx, unified, col, [Hop(unified, owner_col, hops[0].ref, hops[0].ref_column), *hops[1:]], entity)
        up += derive_up
    constraints = [(f"{group}_{c}_fkey", c, ref, ref_key, action) for c, ref, ref_key, action in fks]
    up += [add_foreign_key(unified, name, [c], ref, [ref_key], action) for name, c, ref, ref_key, action in constraints]
    validate = Stage(
        "validate",
        tuple(validate_constraint(unified, name, ref) for name, _, ref, _, _ in constraints),
        "check the copied rows against the foreign keys (SHARE UPDATE EXCLUSIVE: reads and writes go on)",
    )
    trig = [schema.triggers_on(t) for t in tables]
    for tr in trig[0]:
        if all(
            any((o.function, o.timing, o.events) == (tr.function, tr.timing, tr.events) for o in ts)
            for ts in trig
        ):
            name = tr.name.replace(relation(tables[0]), group)
            up.append(create_trigger(name, unified, tr.timing, " OR ".join(tr.events), tr.function))
    down = [drop_table(unified, references)] + derive_down[1:]  # the table's trigger goes with it
    archive_schema = f"{group}_archive"
    unmappable = unmappable_sql(routes)
    if archive:
        said = f"rows of the {group} tables cannot be mapped to {short(entity)}: see preflight.sql (unmappable); " \
            "nothing was changed"
        guard = "DO " + dollar_quote(
            "\nDECLARE\n  unmapped bigint;\nBEGIN\n  SELECT count(*) INTO unmapped FROM "
            f"(\n{unmappable}\n"
            f"  ) AS u;\n  IF unmapped > 0 THEN\n    RAISE EXCEPTION {literal('% ' + said.replace('%', '%%'))}, "
            "unmapped;\n  END IF;\nEND\n", "guard")
        reads = [(t, ACCESS_SHARE) for t in tables] + [
            (h.ref, ACCESS_SHARE) for t in tables for h in routes[t][:-1]
        ]
        # the old tables are locked first against writes (no write slips between the guard, the copies and
        # the move; reads go on), then against reads too for the move, each time all together in one order
        up[:0] = [
            lock_up_front([(t, SHARE) for t in tables]),
            step(guard, *reads, note="refuse to run while a row cannot be mapped"),
        ]
        up += [create_schema(archive_schema), lock_up_front([(t, ACCESS_EXCLUSIVE) for t in tables])]
        up += [set_schema(t, archive_schema) for t in tables]
        # rows deleted from the new table since up stay deleted: they are not moved back
        down = [
            step(
                f"DELETE FROM {ident(archive_schema)}.{ident(relation(t))} AS t\n"
                f"WHERE NOT EXISTS (SELECT 1 FROM {table(unified)} AS u WHERE u.type = {literal(types[t])} "
                f"AND u.legacy_id = t.{ident(pk)})",
                (f"{archive_schema}.{relation(t)}", ROW_EXCLUSIVE), (unified, ACCESS_SHARE),
                note=f"forget the {short(t)} rows deleted from {group} since up",
            )
            for t in tables
        ]
        down += [set_schema(f"{archive_schema}.{relation(t)}", "public") for t in reversed(tables)]
        down += [drop_schema(archive_schema), drop_table(unified, references)] + derive_down[1:]
    if archive:  # the archived tables are as they were at up: compare with them
        changed = "\nUNION ALL\n".join(
            f"SELECT {literal(short(t))} AS source, u.legacy_id FROM {table(unified)} AS u\n"
            f"JOIN {ident(archive_schema)}.{ident(relation(t))} AS t ON t.{ident(pk)} = u.legacy_id AND "
            f"u.type = {literal(types[t])}\nWHERE {rebuild_sql(names, pk)} IS DISTINCT FROM to_jsonb(t)"
            for t in tables
        )
    else:  # the application keeps writing the old tables: a copied row changed since up has a newer xmin
        # than the transaction that created the table (and its row type) and copied the rows
        changed = (
            f"SELECT u.type AS source, u.legacy_id FROM {table(unified)} AS u\n"
            "WHERE u.legacy_id IS NOT NULL AND u.xmin::text <> (SELECT y.xmin::text FROM pg_catalog.pg_type AS y "
            f"WHERE y.typrelid = {literal(table(unified))}::regclass)"
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
            (
                "SHARE on the old tables from the first statement (taken together, in one order, 200 ms per "
                "attempt, 10 attempts): no write slips between the guard, the copies and the move, reads go on; "
                "then ACCESS EXCLUSIVE on them, taken the same way, only for the move (SET SCHEMA). A "
                "transaction that read an old table and then writes it while the move waits is a deadlock "
                "PostgreSQL ends by aborting one of the two (up.sql changes nothing if it is the one); "
                if archive
                else "ACCESS SHARE on the old tables while they are read (writes go on); "
            )
            + f"SHARE ROW EXCLUSIVE on {name_list(references)} only from the last statements (the foreign keys, "
            "added NOT VALID after the copy) to the commit; validate.sql checks the copied rows later under "
            "SHARE UPDATE EXCLUSIVE (reads and writes go on).",
        ),
        Risk(
            "reversibility",
            "down.sql "
            + (
                f"moves the old tables back with their rows as they were at up, except the rows deleted from "
                f"`{group}` since up (they stay deleted), then drops `{archive_schema}` and `{group}`"
                if archive
                else f"drops `{group}`"
            )
            + ": rows created or changed there since up are lost (checks `new-rows`, `changed-rows`).",
        ),
        Risk(
            "security",
            f"Widens reading: each {singular(entity)}'s members read its `{group}` rows (today only the "
            "owner). "
            + (
                f"Writes stay the owner's (a policy per command, `{owner_col} = auth.uid()`), and a trigger "
                f"derives `{col}` from the owner: no user can put a row in another {singular(entity)}."
                if owner_col
                else f"Writes widen too: every member of the {singular(entity)} changes and deletes its rows."
            ),
        ),
    ]
    if owner_col and actual == AUTH_USERS:
        risks.append(Risk(
            "data",
            f"Deleting an auth user deletes what the foreign key says, as in the old tables (ON DELETE "
            f"{scope_fk.on_delete} on `{owner_col}`).",
        ))
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
        (validate,),
        tuple(risks),
        ctx.impact(
            tables,
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
        widens=("read",) if owner_col else ("read", "update", "delete"),
    )


def rebuild_sql(names: list[str], pk: str, alias: str = "u") -> str:
    """An old row's jsonb rebuilt from its unified row (``to_jsonb(old row)`` when nothing changed)."""
    pairs = [f"{literal(pk)}, {alias}.legacy_id"] + [f"{literal(n)}, {alias}.{ident(n)}" for n in names]
    return f"({alias}.config || jsonb_build_object({', '.join(pairs)}))"
