"""A foreign key the plan assumes does not exist (``missing-foreign-key``, with ``manual-sync-required``).

* A: add it ``NOT VALID`` (existing rows are not checked; new and changed rows are), then, in a
  separate ``validate`` script whose preflight must list no row, ``VALIDATE CONSTRAINT`` (reads and
  writes go on while it scans). On data that breaks the key, ``validate`` fails until the rows are dealt with.
* B: keep the soft reference and document it (``COMMENT ON COLUMN``), with queries that list the rows
  out of step in both directions.
* C (a key that the auth user's id should fill, e.g. ``users.id``): a trigger on ``auth.users`` that
  creates the row for new users only, filling the columns that must not be NULL from the auth user.
"""

from __future__ import annotations

from collections import Counter

from schemalens.core.names import comment, dollar_quote, md_name, qualify, relation
from schemalens.decide.decisions import Check, Decision, Option, Risk, Stage, decision_title, slug
from schemalens.decide.impact import Item
from schemalens.decide.options import AUTH_USERS, Context, invited
from schemalens.decide.options.policies import revoke_execute
from schemalens.decide.options.valid import add_unique_target, comparable, reference_types, unique_target
from schemalens.decide.sqlgen import (
    add_foreign_key,
    comment_on_column,
    create_trigger,
    drop_constraint,
    drop_function,
    drop_trigger,
    ident,
    idents,
    literal,
    short,
    singular,
    step,
    table,
    validate_constraint,
)
from schemalens.read.replay import make_object_name

# Columns of Supabase's auth.users a trigger may copy into a profile row.
KEY = "key"  # the script that adds a key whose unique target up.sql built (phased)
AUTH_COLUMNS = ("email", "phone", "raw_user_meta_data", "raw_app_meta_data", "created_at", "last_sign_in_at")


def build(ctx: Context, did: str, findings: list) -> tuple[Decision | None, str]:
    f = next(f for f in findings if f.code == "missing-foreign-key")
    d = f.data
    if not d.get("column_exists"):
        return None, f"{short(d['table'])} has no column {', '.join(d['columns'])}: nothing to constrain"
    if d.get("composite"):
        c = d["composite"]
        return None, (f"{short(d['table'])} ({', '.join(c['columns'])}) → {short(c['ref_table'])} "
                      f"({', '.join(c['ref_columns'])}) already checks it: the plan's joins change, not the schema")
    sync = next((x for x in findings if x.code == "manual-sync-required"), None)
    why_not = reference_types(ctx.schema, d["table"], d["columns"], d["ref_table"], d["ref_columns"])
    if not why_not and ctx.schema.table(d["ref_table"]) is None:  # a platform's table: not ours to alter
        why_not = unique_target(ctx.schema, d["ref_table"], d["ref_columns"])
    if not comparable(ctx.schema, d["table"], d["columns"], d["ref_table"], d["ref_columns"]):
        d = {**d, "as_text": True}  # the checks compare as text what may not compare directly (text = uuid)
    options = ([] if why_not else [_add(ctx, did, d, sync)]) + [_document(ctx, did, d, sync)]
    trigger = _trigger(ctx, did, d, sync)
    if trigger is not None:
        options.append(trigger)
    left = f"{short(d['table'])}.{', '.join(d['columns'])}"
    return Decision(
        did,
        decision_title(did, f),
        f"Enforce `{left}` → {md_name(d['ref_table'])} with a foreign key, "
        "keep it soft and document it" + (", or fill it by a trigger for new users" if trigger else "") + "?",
        tuple(options),
        tuple(findings),
        "B",
        "B changes no data and documents the rule; " + (
            f"A (a foreign key) does not apply: {why_not}." if why_not
            else "A needs every row to match first (preflight `orphans`)."),
    ), ""


def _match(d: dict, t: str = "t", r: str = "r") -> str:
    """The join of a row to its referenced row; as text where the column types are of other families (a
    uuid kept in a text column: PostgreSQL has no ``text = uuid``)."""
    cast = "::text" if d.get("as_text") else ""
    return " AND ".join(f"{r}.{ident(rc)}{cast} = {t}.{ident(c)}{cast}" for c, rc in zip(d["columns"], d["ref_columns"]))


def orphans_sql(d: dict) -> str:
    """Rows whose key has no match in the referenced table (what VALIDATE would reject)."""
    not_null = " AND ".join(f"t.{ident(c)} IS NOT NULL" for c in d["columns"])
    return (
        f"SELECT t.* FROM {table(d['table'])} AS t\nWHERE {not_null}\n"
        f"  AND NOT EXISTS (SELECT 1 FROM {table(d['ref_table'])} AS r WHERE {_match(d)})"
    )


def _reverse_sql(d: dict) -> str:
    # auth.users holds password hashes and tokens: only the columns that say who the user is
    columns = "r.id, r.email, r.created_at" if d["ref_table"] == AUTH_USERS else "r.*"
    return (
        f"SELECT {columns} FROM {table(d['ref_table'])} AS r\n"
        f"WHERE NOT EXISTS (SELECT 1 FROM {table(d['table'])} AS t WHERE {_match(d)})"
    )


def _cascade(ctx: Context, start: str) -> list[str]:
    """Tables whose rows go when a row of ``start`` is deleted (ON DELETE CASCADE, followed down)."""
    out, todo = [], [start]
    while todo:
        node = todo.pop()
        for fk in ctx.schema.foreign_keys_to(node):
            if fk.on_delete == "CASCADE" and fk.table not in out and fk.table != start:
                out.append(fk.table)
                todo.append(fk.table)
    return sorted(out)


def _on_delete(ctx: Context, d: dict) -> tuple[str, str]:
    t = ctx.schema.table(d["table"])
    nullable = all(t.column(c) is not None and t.column(c).nullable for c in d["columns"])
    if nullable and not set(d["columns"]) & set(t.primary_key):
        return "SET NULL", "the column may be NULL: a deleted parent leaves the row without it"
    actions = Counter(fk.on_delete for fk in ctx.schema.foreign_keys_to(d["ref_table"]))
    if not actions:
        return (
            "NO ACTION",
            "no other foreign key shows the convention: deleting a referenced row fails while used",
        )
    action, n = actions.most_common(1)[0]
    return action, f"as {n} of {sum(actions.values())} foreign keys to {short(d['ref_table'])} already do"


def _identity_items(sync) -> list[Item]:
    if sync is None:
        return []
    return [
        Item(
            "policy",
            p["name"],
            p["table"],
            f"compares auth.uid() with {short(sync.data['table'])}.{sync.data['column']}",
            p["source"],
            "relies on the key matching the auth user",
        )
        for p in sync.data.get("policies", [])
    ]


def _add(ctx: Context, did: str, d: dict, sync) -> Option:
    tbl, cols, ref = d["table"], d["columns"], d["ref_table"]
    name = ctx.unique_name(make_object_name(relation(tbl), "_".join(cols), "fkey"), ctx.constraint_names(tbl))
    action, why_action = _on_delete(ctx, d)
    left = f"{short(tbl)}.{', '.join(cols)}"
    target = None
    if unique_target(ctx.schema, ref, d["ref_columns"]):  # the key needs a unique target: built first
        key = ctx.unique_name(f"{relation(ref)}_{'_'.join(d['ref_columns'])}_key", ctx.constraint_names(ref))
        target = add_unique_target(ref, d["ref_columns"], key, KEY)
    first = "up.sql" if target is None else f"{KEY}.sql"  # the script that adds the key
    orphans = orphans_sql(d)
    checks = (
        Check(
            "name-free",
            f"SELECT conname FROM pg_catalog.pg_constraint\n"
            f"WHERE conrelid = {literal(table(tbl))}::regclass AND conname = {literal(name)}",
            f"A row means a constraint `{name}` exists already: {first} would fail.",
            blocking=True,
        ),
        Check(
            "orphans-now",
            orphans,
            f"Rows of {md_name(tbl)} with no match in {md_name(ref)} today. {first} still "
            "succeeds (NOT VALID leaves existing rows unchecked); validate.sql fails while any is left.",
        ),
        Check(
            "orphans",
            orphans,
            f"Each row makes VALIDATE fail: give it a matching {md_name(ref)} row, or delete "
            "it"
            + (
                f" (deleting it also deletes its rows in {', '.join(short(x) for x in _cascade(ctx, tbl))}, "
                "through their cascading keys)"
                if _cascade(ctx, tbl)
                else ""
            )
            + ", then run validate.sql.",
            when="before validate",
            blocking=True,
        ),
    )
    risks = [
        Risk(
            "data",
            "Existing rows without a match block validate.sql (preflight `orphans`); nothing is deleted "
            "or changed by the scripts.",
        ),
        Risk(
            "breaking",
            f"From {first} on, inserting or updating a {md_name(tbl)} row whose {', '.join(cols)} has no "
            f"{md_name(ref)} row fails."
            + (
                f" The column's default `{d['column_default']}` makes new keys no auth user has: inserts "
                "must pass "
                "the auth user's id."
                if d.get("column_default") and ref == AUTH_USERS
                else ""
            ),
        ),
        Risk(
            "data",
            f"ON DELETE {action} is a choice ({why_action}); the others are "
            + ", ".join(a for a in ("CASCADE", "SET NULL", "NO ACTION") if a != action)
            + "."
            + (
                f" Deleting a {md_name(ref)} row deletes its {md_name(tbl)} row and, through cascading keys, "
                "its rows "
                f"in {', '.join(short(x) for x in _cascade(ctx, tbl))}."
                if action == "CASCADE" and _cascade(ctx, tbl)
                else ""
            ),
        ),
        Risk(
            "lock",
            f"{first}: SHARE ROW EXCLUSIVE on {short(tbl)} and {short(ref)} (writes wait, reads go on; no "
            f"row is checked, so it is brief). validate.sql: SHARE UPDATE EXCLUSIVE on {short(tbl)} and ROW "
            "SHARE on "
            f"{short(ref)}: reads and writes go on while it scans.",
        ),
        Risk(
            "reversibility",
            f"down.sql drops the constraint (ACCESS EXCLUSIVE on {short(tbl)} and {short(ref)}, "
            "briefly); rows a cascade deleted meanwhile do not come back.",
        ),
    ]
    up, down = [add_foreign_key(tbl, name, cols, ref, d["ref_columns"], action, not_valid=True)], [
        drop_constraint(tbl, name, ref)]
    stages = [Stage("validate", (validate_constraint(tbl, name, ref),),
                    "Run when the preflight `orphans` lists no row; it fails otherwise and changes nothing.")]
    if target is not None:  # the unique index built CONCURRENTLY (up.sql), then the constraint and the key
        stages.insert(0, Stage(KEY, (target.constraint, *up), "Run after up.sql built the unique index."))
        up, down = list(target.up), [*down, target.down]
        checks, risks = (*target.checks[:1], *checks, *target.checks[1:]), [target.risk, *risks]
    title = f"Add the foreign key `{left}` → {md_name(ref)}"
    return Option(
        did,
        "A",
        slug("A", "Add the foreign key"),
        title,
        f"`ALTER TABLE … ADD CONSTRAINT {name} … NOT VALID` (new rows are checked at once), then "
        "validate.sql "
        "checks the existing rows once the preflight `orphans` lists none.",
        tuple(up),
        tuple(down),
        checks,
        tuple(stages),
        tuple(risks),
        ctx.impact(
            [tbl],
            [f"{tbl}.{c}" for c in cols],
            {
                "policy": "unchanged",
                "foreign key": "unchanged",
                "function": "unchanged",
                "trigger": "unchanged",
                "index": "unchanged",
                "document": "its assumption (the foreign key) holds once validated",
            },
            extra=_identity_items(sync),
            mention_columns=False,
        ),
        manifest=f"unchanged: `{left} -> {short(ref)}` holds once validated",
    )


def _document(ctx: Context, did: str, d: dict, sync) -> Option:
    tbl, cols, ref = d["table"], d["columns"], d["ref_table"]
    col = cols[0]
    text = (
        f"Soft reference to {short(ref)}.{d['ref_columns'][0]}: not enforced (no foreign key, no trigger); "
        "the application keeps it in step. Rows out of step: schemalens decision " + did + ", option B "
        "(preflight.sql)."
    )
    identity = ctx.schema.table(tbl).primary_key == tuple(cols)
    checks = [
        Check(
            "unmatched",
            orphans_sql(d),
            f"Rows of {md_name(tbl)} whose {', '.join(cols)} has no "
            f"{md_name(ref)} row" + (": they can never sign in as themselves." if ref == AUTH_USERS else "."),
        )
    ]
    if identity:
        checks.append(
            Check(
                "unmatched-reverse",
                _reverse_sql(d),
                f"{md_name(ref)} rows with no {md_name(tbl)} row"
                + (": they sign in and see nothing." if ref == AUTH_USERS else "."),
            )
        )
    title = "Keep the soft reference and document it"
    return Option(
        did,
        "B",
        slug("B", "Keep and document"),
        title,
        f"No constraint: a comment on `{short(tbl)}.{col}` states the rule, and the preflight queries list "
        "the rows "
        "out of step (run them on a schedule).",
        (comment_on_column(tbl, col, text),),
        (comment_on_column(tbl, col, ctx.comment(tbl, col)),),
        tuple(checks),
        (),
        (
            Risk("data", "Nothing is enforced: rows out of step stay possible (preflight `unmatched`)."),
            Risk("breaking", "None."),
            Risk("lock", f"SHARE UPDATE EXCLUSIVE on {short(tbl)} for the comment: reads and writes go on."),
            Risk("reversibility", "down.sql restores the comment the migrations left (none: NULL)."),
        ),
        ctx.impact(
            [tbl],
            [f"{tbl}.{c}" for c in cols],
            mention_columns=False,
            effects={"document": "still assumes a foreign key: see the rewritten documents"},
            extra=_identity_items(sync),
        ),
        manifest=f"drop `{short(tbl)}.{col} -> {short(ref)}.{d['ref_columns'][0]}` from foreign_keys "
        "(a documented soft reference)",
    )


def _trigger(ctx: Context, did: str, d: dict, sync) -> Option | None:
    tbl, cols, ref = d["table"], d["columns"], d["ref_table"]
    t = ctx.schema.table(tbl)
    if ref != AUTH_USERS or t is None or t.primary_key != tuple(cols) or len(cols) != 1:
        return None
    required = [c for c in t.columns if not c.nullable and c.default is None and c.name not in t.primary_key]
    if any(c.name not in AUTH_COLUMNS for c in required):
        return None
    key = cols[0]
    fn_names = {f.name for f in ctx.schema.functions}
    fn = "public." + ctx.unique_name(f"create_{singular(tbl)}_for_new_auth_user",
                                     {relation(f) for f in fn_names if qualify(f).startswith("public.")})
    trg = ctx.unique_name("on_auth_user_created", {x.name for x in ctx.schema.triggers_on(AUTH_USERS)})
    filled = [key] + [c.name for c in required]
    guard = "\n".join(
        f"  IF NEW.{ident(c.name)} IS NULL THEN\n    RETURN NEW;  -- {comment(f'{short(tbl)}.{c.name}')} is NOT NULL: "
        f"no row for an auth user without it\n  END IF;"
        for c in required
    )
    invites = any(c.name == "email" for c in t.columns)  # an invited user's row is found by email
    taken = [c.name for c in required if any(u.columns == (c.name,) for u in t.uniques)]
    link = invited.link(tbl, key) if invites else ""
    code = (
        f"\nBEGIN\n{guard + chr(10) if guard else ''}{link}"
        f"  INSERT INTO {table(tbl)} ({idents(filled)})\n"
        f"  VALUES ({', '.join('NEW.' + ident(c if c != key else d['ref_columns'][0]) for c in filled)})\n"
        f"  ON CONFLICT DO NOTHING;  -- a row with this key (or another unique value) exists: left as it is\n"
        f"  RETURN NEW;\nEND;\n"
    )
    body = (
        f"CREATE FUNCTION {table(fn)}()\nRETURNS trigger\nLANGUAGE plpgsql\nSECURITY DEFINER\nSET "
        f"search_path = ''\nAS {dollar_quote(code, 'fn')}"
    )
    checks = [
        Check(
            "existing-without-row",
            _reverse_sql(d),
            f"Auth users who have no {md_name(tbl)} row today: the "
            "trigger handles new users only, so these stay without one (create them by hand or leave them).",
        )
    ]
    for c in required:
        unique = any(u.columns == (c.name,) for u in t.uniques)
        checks.append(
            Check(
                f"without-{c.name}",
                f"SELECT r.id, r.email FROM {table(ref)} AS r WHERE r.{ident(c.name)} IS NULL",
                f"Auth users without {c.name}: the trigger creates no row for such users.",
            )
        )
        if unique:
            checks.append(
                Check(
                    f"{c.name}-taken",
                    f"SELECT r.id, r.{ident(c.name)} FROM {table(ref)} AS r\n"
                    f"JOIN {table(tbl)} AS t ON t.{ident(c.name)} = r.{ident(c.name)} AND "
                    f"t.{ident(key)} <> r.id",
                    f"Auth users whose {c.name} a {md_name(tbl)} row with another key already has. The "
                    "trigger handles new sign-ups only: these stay as they are."
                    + (" A new sign-up with such a value gets no row (ON CONFLICT DO NOTHING) unless the row "
                       "is an invitation (its key is no auth user's): then it is linked." if invites else
                       " A new sign-up with such a value gets no row (ON CONFLICT DO NOTHING)."),
                )
            )
    if invites:
        checks.append(invited.ambiguous_check(tbl, key))
    unfilled = [fk.columns[0] for fk in ctx.schema.foreign_keys_from(tbl) if len(fk.columns) == 1]
    title = f"Trigger on `auth.users` creating {md_name(tbl)} rows for new users"
    return Option(
        did,
        "C",
        slug("C", "Trigger for new users"),
        title,
        f"`{trg}` AFTER INSERT ON auth.users runs `{short(fn)}()` (SECURITY DEFINER, search_path fixed to "
        "''), "
        + ("which links an invited user's row (same email, no auth user yet) to the new auth user, or else "
           if invites else "which ")
        + f"inserts ({', '.join(filled)}) from the new auth user. Existing users are not touched.",
        (
            step(body, note=f"function {short(fn)}() (SECURITY DEFINER, empty search_path)"),
            revoke_execute(fn),
            create_trigger(trg, AUTH_USERS, "AFTER", "INSERT", fn),
        ),
        (drop_trigger(trg, AUTH_USERS), drop_function(fn)),
        tuple(checks),
        (),
        (
            Risk(
                "security",
                f"SECURITY DEFINER: it runs as its owner and bypasses RLS on {short(tbl)}; search_path is "
                "'' and every name is schema-qualified, it writes only the new user's own row (a new one"
                + (", or the invited row it links" if invites else "") + "), and EXECUTE "
                "is revoked from PUBLIC and the API roles (only the trigger runs it).",
            ),
            Risk(
                "breaking",
                f"Every sign-up now also inserts into {short(tbl)}: if that insert fails for another reason "
                "(e.g. a NOT NULL column added later), the sign-up fails.",
            ),
            Risk(
                "data",
                f"New rows get only {', '.join(filled)}"
                + (
                    f"; {', '.join(unfilled)} stay NULL until the application sets them (RLS that follows "
                    "them shows "
                    "such users nothing)"
                    if unfilled
                    else ""
                )
                + ". Existing auth users without a row are not backfilled."
                + (" " + invited.risk(tbl, key) if invites else "")
                + (f" A sign-up whose {' or '.join(taken)} a {md_name(tbl)} row of another auth user already "
                   "has gets no row (ON CONFLICT DO NOTHING; preflight "
                   + ", ".join(f"`{c}-taken`" for c in taken) + ")." if taken else ""),
            ),
            Risk(
                "lock",
                "up.sql: SHARE ROW EXCLUSIVE on auth.users (sign-ups wait, briefly). down.sql: ACCESS "
                "EXCLUSIVE "
                "on auth.users for DROP TRIGGER.",
            ),
            Risk("reversibility", "down.sql drops the trigger and the function; rows it created stay."),
        ),
        ctx.impact(
            [tbl, AUTH_USERS],
            mention_columns=False,
            effects={"policy": "sees the rows the trigger creates", "foreign key": "unchanged"},
            extra=_identity_items(sync),
        ),
        manifest=f"foreign_keys: `{short(tbl)}.{key} -> auth.users.id` holds for new users only (trigger)",
    )
