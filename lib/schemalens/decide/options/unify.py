"""Options C and D of ``scope-mismatch`` (a group of alike tables): one ``<group>`` table with a ``type``
discriminator, the columns the tables share, the rest of each row in ``config`` (``to_jsonb(row)`` minus
those columns, so a row can be rebuilt exactly), the old id in ``legacy_id``; every mappable row copied;
the old tables stay (C) or move to the schema ``<group>_archive`` (D), which refuses to run while a row is
unmappable, and whose rollback moves them back with their rows.
"""

from __future__ import annotations

from schemalens.core.names import dollar_quote, md_name, relation
from schemalens.decide.decisions import Check, Option, Risk, Stage, slug
from schemalens.decide.options import AUTH_USERS, Context, name_list
from schemalens.decide.options.mirror import (
    batched_copy,
    forget_name,
    forget_steps,
    forgotten_sql,
    mirror_steps,
    verify_step,
)
from schemalens.decide.options.policies import member_policies
from schemalens.decide.options.routes import Hop, _derive, _joins, _per_entity_sql, _value, unmappable_sql
from schemalens.decide.phased import BATCH
from schemalens.decide.rewrite import fk_column_name
from schemalens.decide.sqlgen import (
    ACCESS_EXCLUSIVE,
    ACCESS_SHARE,
    ROW_EXCLUSIVE,
    SHARE_ROW_EXCLUSIVE,
    add_foreign_key,
    create_index,
    create_schema,
    create_table,
    create_trigger,
    drop_schema,
    drop_table,
    enable_rls,
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
        if archive:  # copied after up.sql, in batches, while triggers mirror the writes (copy.sql)
            break
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
    stages = []
    if archive:
        col_type = schema.table(entity).column(key).type
        mirrored = [mirror_steps(unified, t, hops, types[t], col, col_type, names, dropped, pk, group)
                    for t, hops in routes.items()]
        stages = [
            Stage("copy", tuple(batched_copy(unified, t, hops, types[t], col, names, dropped, pk, references)
                                for t, hops in routes.items()),
                  f"copy the existing rows in batches, each its own transaction, while the triggers mirror every "
                  f"write into `{group}` (no lock that blocks writes)"),
        ]
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
        # the old tables are held only while the triggers are installed (a catalog change), after the guard
        up[:0] = [step(guard, *reads, note="refuse to run while a row cannot be mapped"),
                  lock_up_front([(t, SHARE_ROW_EXCLUSIVE) for t in tables])]
        up += [s for m, _ in mirrored for s in m]
        forget, forget_down = forget_steps(unified, archive_schema, types, pk, group)
        switch = [verify_step(unified, types, pk, rebuild_sql(names, pk), group), create_schema(archive_schema),
                  lock_up_front([(t, ACCESS_EXCLUSIVE) for t in tables] + [(unified, SHARE_ROW_EXCLUSIVE)])]
        switch += [s for _, m in mirrored for s in m] + [set_schema(t, archive_schema) for t in tables] + forget
        stages.append(Stage("switch", tuple(switch), f"check the copy, then move the old tables to `{archive_schema}` "
                            "(ACCESS EXCLUSIVE for the catalog change only)"))
        # rows deleted from the new table since the switch are gone from the archive already (its trigger): down.sql
        # changes the catalog only
        down = [set_schema(f"{archive_schema}.{relation(t)}", "public") for t in reversed(tables)]
        down += [drop_schema(archive_schema), drop_table(unified, references), forget_down] + derive_down[1:]
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
    if archive:
        checks.append(Check(
            "deleted-rows",
            forgotten_sql(unified, archive_schema, types, pk),
            f"Archived rows whose row was deleted from `{group}` while its trigger `{forget_name(group)}` did not "
            "fire (`session_replication_role = replica`, or the trigger disabled): down.sql would bring them back. "
            "Delete them from the archive first.",
            when="before down",
            blocking=True,
        ))
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
                "In phases, so that the old tables are held for catalog changes only, whatever their rows: "
                "up.sql takes SHARE ROW EXCLUSIVE on the old tables after its guard (taken together, in one "
                "order, 200 ms per attempt, 10 attempts) to install the triggers that write every insert, "
                f"update, delete and truncate of theirs into `{group}` (a row they cannot map is refused); "
                f"copy.sql copies the existing rows, {BATCH:,} per transaction, locking a batch's rows FOR SHARE "
                "(a writer waits for one batch at most); switch.sql checks in one snapshot that every old row has "
                "its equal copy (reads only), then takes ACCESS EXCLUSIVE on the old tables the same way, only to "
                f"drop the triggers and move them (SET SCHEMA), with SHARE ROW EXCLUSIVE on `{group}` to install "
                "the trigger that deletes the archived row of each row deleted there; down.sql then moves the tables "
                "back with no row to delete (catalog changes only, whatever the rows). A trigger disabled or bypassed "
                "(`session_replication_role = replica`) meanwhile makes switch.sql refuse, nothing changed. A "
                "transaction that read an old table and then writes it while the move waits is a deadlock "
                "PostgreSQL ends by aborting one of the two (switch.sql changes nothing if it is the one). "
                "up.sql: "
                if archive
                else "ACCESS SHARE on the old tables while they are read (writes go on); "
            )
            + f"SHARE ROW EXCLUSIVE on {name_list(references)} only from the last statements (the foreign keys, "
            + ("added NOT VALID)" if archive else "added NOT VALID after the copy)") + " to the commit; validate.sql checks the copied rows later under "
            "SHARE UPDATE EXCLUSIVE (reads and writes go on).",
        ),
        Risk(
            "reversibility",
            "down.sql "
            + (
                f"moves the old tables back with their rows as they were at up, except the rows deleted from "
                f"`{group}` since up (they stay deleted: switch.sql's trigger deletes them from the archive as they "
                f"are deleted; check `deleted-rows`), then drops `{archive_schema}` and `{group}`; it undoes a "
                f"finished switch.sql (before switch.sql, the old tables are where they were: drop the `mirror_` "
                f"triggers of the old tables and their functions, then `{group}`)"
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
        (*stages, validate),
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
