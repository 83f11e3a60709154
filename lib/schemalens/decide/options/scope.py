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

from schemalens.core.names import md_name, relation
from schemalens.decide.decisions import Check, Decision, Option, Risk, Stage, decision_title, slug
from schemalens.decide.options import Context, name_list
from schemalens.decide.options.policies import member_policies
from schemalens.decide.options.routes import (  # noqa: F401 - importable from here, as before the split
    Hop,
    _derive,
    _joins,
    _per_entity_sql,
    _value,
    route,
    route_value_sql,
    unmappable_sql,
)
from schemalens.decide.options.unify import _unify, rebuild_sql  # noqa: F401
from schemalens.decide.options.valid import scope_column
from schemalens.decide.phased import (
    BATCH,
    batched_update,
    create_index_concurrently,
    invalid_index_check,
    volume_check,
)
from schemalens.decide.rewrite import fk_column_name
from schemalens.decide.sqlgen import (
    ACCESS_EXCLUSIVE,
    ACCESS_SHARE,
    ROW_EXCLUSIVE,
    ROW_SHARE,
    SHARE_ROW_EXCLUSIVE,
    add_column,
    add_foreign_key,
    drop_column,
    enable_trigger,
    ident,
    literal,
    lock_up_front,
    short,
    singular,
    step,
    table,
    validate_constraint,
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
