"""SQL text for decisions: one builder per statement, and the locks each statement takes.

Every generated statement is a :class:`Step`: its SQL and the table locks PostgreSQL takes for it
(:class:`Lock`, in PostgreSQL's mode names), so a reader sees what a change blocks before running it.
The builders below write one kind of statement each; the lock they state is the strongest mode
PostgreSQL 14-18 takes on each table (tests/test_decisions.py checks every one against ``pg_locks``).

It refuses to splice raw names: identifiers go through :func:`ident` (quoted when PostgreSQL would
fold or reject them bare), values through :func:`literal`, both from :mod:`schemalens.core.names`. It never
regenerates migration text.

>>> ident("users"), ident("Users can view"), ident("user"), ident("order_id")
('users', '"Users can view"', '"user"', 'order_id')
>>> table("public.users"), table("auth.users"), table('app.My Table')
('public.users', 'auth.users', 'app."My Table"')
>>> literal("it's"), literal(None)
("'it''s'", 'NULL')
>>> rename_table("public.agencies", "tenants").sql
'ALTER TABLE public.agencies RENAME TO tenants;'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from schemalens.core.names import RESERVED, dollar_quote, qualify, relation, short
from schemalens.core.names import quote_ident as ident
from schemalens.core.names import quote_literal as literal
from schemalens.core.names import quote_table as table

if TYPE_CHECKING:
    from schemalens.core.model import Schema

ACCESS_SHARE = "ACCESS SHARE"
ROW_SHARE = "ROW SHARE"
ROW_EXCLUSIVE = "ROW EXCLUSIVE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
SHARE = "SHARE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
LOCK_MODES = (
    ACCESS_SHARE,
    ROW_SHARE,
    ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    "EXCLUSIVE",
    ACCESS_EXCLUSIVE,
)
BLOCKS = {
    ACCESS_SHARE: "blocks nothing but ACCESS EXCLUSIVE",
    ROW_SHARE: "blocks EXCLUSIVE and ACCESS EXCLUSIVE only",
    ROW_EXCLUSIVE: "blocks DDL, not reads or writes",
    SHARE_UPDATE_EXCLUSIVE: "blocks DDL and VACUUM, not reads or writes",
    SHARE: "blocks writes, not reads",
    SHARE_ROW_EXCLUSIVE: "blocks writes, not reads",
    ACCESS_EXCLUSIVE: "blocks reads and writes",
}


def idents(names: Iterable[str]) -> str:
    return ", ".join(ident(n) for n in names)


def singular(name: str) -> str:
    """The entity word of a table name: ``agency`` for agencies, ``tenant`` for tenants.

    >>> [singular(n) for n in ("public.agencies", "tenants", "auth.users", "addresses", "news")]
    ['agency', 'tenant', 'user', 'address', 'new']
    """
    base = name.split(".")[-1]
    if base.endswith("ies"):
        return base[:-3] + "y"
    if base.endswith(("sses", "xes", "ches", "shes")):
        return base[:-2]
    return base.removesuffix("s")


def fk_column_name(schema: Schema, parent: str) -> str:
    """The column name this schema uses for keys to ``parent`` (``agency_id`` for agencies), else
    ``<singular>_id``.

    >>> from schemalens.core.model import Schema
    >>> fk_column_name(Schema(), "public.companies"), fk_column_name(Schema(), "public.teams")
    ('company_id', 'team_id')
    """
    names = [
        fk.columns[0] for fk in schema.foreign_keys_to(parent) if len(fk.columns) == 1 and fk.table != parent
    ]
    if names:
        return max(sorted(set(names)), key=names.count)
    return f"{singular(parent)}_id"


# Steps and locks -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    """The strongest lock mode a statement takes on one table (``schema.table``)."""

    table: str
    mode: str

    def __str__(self) -> str:
        return f"{self.mode} on {short(self.table)}"


@dataclass(frozen=True)
class Step:
    """One statement of an option, with the locks it takes and what it does."""

    sql: str
    locks: tuple[Lock, ...] = ()
    note: str = ""
    outside: bool = False  # runs only outside a transaction block (CONCURRENTLY, a DO block that commits)
    renames: tuple[str, str] = ()  # (name before, name after) of the table or view it renames, moves or creates
    # ("" before: created), so a script's later steps can be traced to the names the tables had at its start

    @property
    def strongest(self) -> str | None:
        modes = [lk.mode for lk in self.locks]
        return max(modes, key=LOCK_MODES.index) if modes else None


def _locks(*pairs: tuple[str, str]) -> tuple[Lock, ...]:
    out: dict[str, str] = {}
    for name, mode in pairs:
        name = qualify(name)
        if name not in out or LOCK_MODES.index(mode) > LOCK_MODES.index(out[name]):
            out[name] = mode
    return tuple(Lock(n, m) for n, m in out.items())


def step(sql: str, *locks: tuple[str, str], note: str = "") -> Step:
    """A statement (a ``;`` is added) with its ``(table, mode)`` locks."""
    return Step(sql.rstrip().rstrip(";") + ";", _locks(*locks), note)


def _renames(s: Step, before: str, after: str) -> Step:
    return replace(s, renames=(qualify(before) if before else "", qualify(after)))


def rename_table(name: str, new: str) -> Step:
    return _renames(step(
        f"ALTER TABLE {table(name)} RENAME TO {ident(new)}",
        (name, ACCESS_EXCLUSIVE),
        note=f"rename {short(name)} to {new}",
    ), name, f"{qualify(name).partition('.')[0]}.{new}")


def rename_column(name: str, column: str, new: str) -> Step:
    return step(
        f"ALTER TABLE {table(name)} RENAME COLUMN {ident(column)} TO {ident(new)}",
        (name, ACCESS_EXCLUSIVE),
        note=f"rename {short(name)}.{column} to {new}",
    )


def rename_constraint(name: str, constraint: str, new: str) -> Step:
    return step(
        f"ALTER TABLE {table(name)} RENAME CONSTRAINT {ident(constraint)} TO {ident(new)}",
        (name, ACCESS_EXCLUSIVE),
        note=f"rename constraint {constraint} to {new}",
    )


def rename_index(schema: str, index: str, new: str) -> Step:
    """``ALTER INDEX … RENAME``: SHARE UPDATE EXCLUSIVE on the index only (no table lock)."""
    return step(
        f"ALTER INDEX {ident(schema)}.{ident(index)} RENAME TO {ident(new)}",
        note=f"rename index {index} to {new} (SHARE UPDATE EXCLUSIVE on the index only)",
    )


def rename_trigger(name: str, trigger: str, new: str) -> Step:
    return step(
        f"ALTER TRIGGER {ident(trigger)} ON {table(name)} RENAME TO {ident(new)}",
        (name, ACCESS_EXCLUSIVE),
        note=f"rename trigger {trigger} to {new}",
    )


def add_foreign_key(
    name: str,
    constraint: str,
    columns: Sequence[str],
    ref: str,
    ref_columns: Sequence[str],
    on_delete: str = "NO ACTION",
    not_valid: bool = True,
) -> Step:
    action = f" ON DELETE {on_delete}" if on_delete != "NO ACTION" else ""
    sql = (
        f"ALTER TABLE {table(name)} ADD CONSTRAINT {ident(constraint)} FOREIGN KEY ({idents(columns)}) "
        f"REFERENCES {table(ref)} ({idents(ref_columns)}){action}{' NOT VALID' if not_valid else ''}"
    )
    return step(
        sql,
        (name, SHARE_ROW_EXCLUSIVE),
        (ref, SHARE_ROW_EXCLUSIVE),
        note="add the foreign key" + (" without checking existing rows" if not_valid else ""),
    )


def validate_constraint(name: str, constraint: str, ref: str | None = None) -> Step:
    """``VALIDATE CONSTRAINT``: SHARE UPDATE EXCLUSIVE on the table (reads and writes go on); a foreign key's
    check also takes ROW SHARE on the referenced table."""
    locks = [(name, SHARE_UPDATE_EXCLUSIVE)] + ([(ref, ROW_SHARE)] if ref else [])
    return step(
        f"ALTER TABLE {table(name)} VALIDATE CONSTRAINT {ident(constraint)}",
        *locks,
        note="check every existing row against the constraint",
    )


def drop_constraint(name: str, constraint: str, ref: str | None = None) -> Step:
    """Dropping a foreign key also drops its triggers on the referenced table (ACCESS EXCLUSIVE there too)."""
    locks = [(name, ACCESS_EXCLUSIVE)] + ([(ref, ACCESS_EXCLUSIVE)] if ref else [])
    return step(
        f"ALTER TABLE {table(name)} DROP CONSTRAINT {ident(constraint)}",
        *locks,
        note=f"drop constraint {constraint}",
    )


def add_column(
    name: str,
    column: str,
    type_: str,
    ref: str | None = None,
    ref_column: str = "id",
    on_delete: str = "NO ACTION",
) -> Step:
    """``ADD COLUMN`` (nullable, no default: no rewrite); with ``ref`` also SHARE ROW EXCLUSIVE there."""
    refs = f" REFERENCES {table(ref)} ({ident(ref_column)})" if ref else ""
    action = f" ON DELETE {on_delete}" if ref and on_delete != "NO ACTION" else ""
    locks = [(name, ACCESS_EXCLUSIVE)] + ([(ref, SHARE_ROW_EXCLUSIVE)] if ref else [])
    return step(
        f"ALTER TABLE {table(name)} ADD COLUMN {ident(column)} {type_}{refs}{action}",
        *locks,
        note=f"add {short(name)}.{column}",
    )


def drop_column(name: str, column: str, ref: str | None = None) -> Step:
    """``DROP COLUMN`` (its indexes and foreign key go too: ACCESS EXCLUSIVE on the referenced table)."""
    locks = [(name, ACCESS_EXCLUSIVE)] + ([(ref, ACCESS_EXCLUSIVE)] if ref else [])
    return step(
        f"ALTER TABLE {table(name)} DROP COLUMN {ident(column)}", *locks, note=f"drop {short(name)}.{column}"
    )


def enable_trigger(name: str, trigger: str, enabled: bool) -> Step:
    verb = "ENABLE" if enabled else "DISABLE"
    return step(
        f"ALTER TABLE {table(name)} {verb} TRIGGER {ident(trigger)}",
        (name, SHARE_ROW_EXCLUSIVE),
        note=f"{verb.lower()} trigger {trigger}",
    )


def comment_on_table(name: str, text: str | None) -> Step:
    return step(
        f"COMMENT ON TABLE {table(name)} IS {literal(text)}",
        (name, SHARE_UPDATE_EXCLUSIVE),
        note="document the table",
    )


def comment_on_column(name: str, column: str, text: str | None) -> Step:
    return step(
        f"COMMENT ON COLUMN {table(name)}.{ident(column)} IS {literal(text)}",
        (name, SHARE_UPDATE_EXCLUSIVE),
        note="document the column",
    )


def create_table(name: str, body: str, references: Iterable[str] = ()) -> Step:
    """``CREATE TABLE name (body)``; each referenced table gets SHARE ROW EXCLUSIVE."""
    locks = [(name, ACCESS_EXCLUSIVE)] + [
        (r, SHARE_ROW_EXCLUSIVE) for r in references if qualify(r) != qualify(name)
    ]
    return _renames(step(f"CREATE TABLE {table(name)} (\n{body}\n)", *locks, note=f"create {short(name)}"), "", name)


def create_view(name: str, query: str, over: Iterable[str], options: str = "") -> Step:
    """``CREATE VIEW name [WITH (options)] AS query``: ACCESS EXCLUSIVE on the new view, ACCESS SHARE on the
    tables ``over`` it reads."""
    with_ = f" WITH ({options})" if options else ""
    return _renames(step(f"CREATE VIEW {table(name)}{with_} AS {query}", (name, ACCESS_EXCLUSIVE),
                         *[(t, ACCESS_SHARE) for t in over], note=f"view {short(name)}"), "", name)


def drop_view(name: str, note: str = "") -> Step:
    """``DROP VIEW``: ACCESS EXCLUSIVE on the view (not on the tables it reads)."""
    return step(f"DROP VIEW {table(name)}", (name, ACCESS_EXCLUSIVE), note=note or f"drop view {short(name)}")


def create_index(index: str, name: str, columns: Sequence[str], unique: bool = False) -> Step:
    kind = "UNIQUE INDEX" if unique else "INDEX"
    return step(
        f"CREATE {kind} {ident(index)} ON {table(name)} ({idents(columns)})",
        (name, SHARE),
        note=f"index {short(name)} ({', '.join(columns)})",
    )


def enable_rls(name: str) -> Step:
    return step(
        f"ALTER TABLE {table(name)} ENABLE ROW LEVEL SECURITY",
        (name, ACCESS_EXCLUSIVE),
        note=f"enable row level security on {short(name)}",
    )


def disable_rls(name: str) -> Step:
    return step(
        f"ALTER TABLE {table(name)} DISABLE ROW LEVEL SECURITY",
        (name, ACCESS_EXCLUSIVE),
        note=f"disable row level security on {short(name)}",
    )


def grantee(role: str) -> str:
    """A role as GRANT/REVOKE name it: ``PUBLIC`` for the pseudo-role ``public``, else :func:`ident`."""
    return "PUBLIC" if role == "public" else ident(role)


def revoke_all(name: str, roles: Sequence[str], note: str = "") -> Step:
    """``REVOKE ALL ON name FROM roles``: ACCESS SHARE on the table."""
    return step(f"REVOKE ALL ON {table(name)} FROM {', '.join(grantee(r) for r in roles)}",
                (name, ACCESS_SHARE), note=note)


def grant(privileges: str, name: str, role: str, note: str = "") -> Step:
    """``GRANT privileges ON name TO role``: ACCESS SHARE on the table."""
    return step(f"GRANT {privileges} ON {table(name)} TO {grantee(role)}", (name, ACCESS_SHARE), note=note)


def drop_index(index: str, name: str) -> Step:
    """``DROP INDEX`` of an index on table ``name`` (same schema): ACCESS EXCLUSIVE on the table."""
    return step(
        f"DROP INDEX {table(qualify(name).split('.')[0] + '.' + index)}",
        (name, ACCESS_EXCLUSIVE),
        note=f"drop index {index}",
    )


def create_policy(
    policy: str,
    name: str,
    command: str,
    using: str | None,
    check: str | None = None,
    roles: Sequence[str] = ("authenticated",),
    reads: Iterable[str] = (),
) -> Step:
    """``CREATE POLICY``: ACCESS EXCLUSIVE on its table, ACCESS SHARE on the tables its predicates read."""
    parts = [f"CREATE POLICY {ident(policy)} ON {table(name)}", f"  FOR {command} TO {idents(roles)}"]
    if using:
        parts.append(f"  USING ({using})")
    if check:
        parts.append(f"  WITH CHECK ({check})")
    return step(
        "\n".join(parts),
        (name, ACCESS_EXCLUSIVE),
        *[(r, ACCESS_SHARE) for r in reads if qualify(r) != qualify(name)],
        note=f'policy "{policy}"',
    )


def drop_policy(policy: str, name: str) -> Step:
    return step(
        f"DROP POLICY {ident(policy)} ON {table(name)}",
        (name, ACCESS_EXCLUSIVE),
        note=f'drop policy "{policy}"',
    )


def create_trigger(trigger: str, name: str, timing: str, events: str, function: str) -> Step:
    return step(
        f"CREATE TRIGGER {ident(trigger)}\n  {timing} {events} ON {table(name)}\n"
        f"  FOR EACH ROW EXECUTE FUNCTION {table(function)}()",
        (name, SHARE_ROW_EXCLUSIVE),
        note=f"trigger {trigger} on {short(name)}",
    )


def drop_trigger(trigger: str, name: str) -> Step:
    return step(
        f"DROP TRIGGER {ident(trigger)} ON {table(name)}",
        (name, ACCESS_EXCLUSIVE),
        note=f"drop trigger {trigger}",
    )


def drop_function(function: str, arguments: str = "") -> Step:
    return step(f"DROP FUNCTION {table(function)}({arguments})", note=f"drop function {short(function)}")


def drop_table(name: str, references: Iterable[str] = ()) -> Step:
    """``DROP TABLE``: ACCESS EXCLUSIVE on the table and on every table its foreign keys reference."""
    locks = [(name, ACCESS_EXCLUSIVE)] + [(r, ACCESS_EXCLUSIVE) for r in references]
    return step(f"DROP TABLE {table(name)}", *locks, note=f"drop {short(name)}")


def set_schema(name: str, schema: str) -> Step:
    return _renames(step(
        f"ALTER TABLE {table(name)} SET SCHEMA {ident(schema)}",
        (name, ACCESS_EXCLUSIVE),
        note=f"move {short(name)} to schema {schema}",
    ), name, f"{schema}.{relation(name)}")


def create_schema(schema: str) -> Step:
    return step(f"CREATE SCHEMA {ident(schema)}", note=f"create schema {schema}")


def drop_schema(schema: str) -> Step:
    """``DROP SCHEMA`` without CASCADE: it fails while anything is left in it."""
    return step(f"DROP SCHEMA {ident(schema)}", note=f"drop schema {schema} (only when empty)")


# fmt: off
__all__ = [
    "ACCESS_EXCLUSIVE", "ACCESS_SHARE", "BLOCKS", "LOCK_MODES", "RESERVED", "ROW_EXCLUSIVE", "ROW_SHARE",
    "SHARE", "SHARE_ROW_EXCLUSIVE", "SHARE_UPDATE_EXCLUSIVE", "Lock", "Step", "add_column",
    "add_foreign_key", "comment_on_column", "comment_on_table", "create_index", "create_policy",
    "create_schema", "create_table", "create_trigger", "create_view", "drop_column", "drop_constraint", "drop_function",
    "drop_policy", "drop_schema", "drop_table", "drop_trigger", "drop_view", "enable_rls", "enable_trigger", "ident",
    "idents", "literal", "rename_column", "rename_constraint", "rename_index", "rename_table",
    "rename_trigger", "set_schema", "short", "singular", "step", "table", "validate_constraint",
]
# fmt: on


def lock_up_front(locks: Sequence[tuple[str, str]], attempts: int = 10, timeout: str = "200ms") -> Step:
    """``LOCK TABLE`` every table the script needs, in one order, before it changes anything: each attempt
    waits at most ``timeout`` (it never queues long in front of the application's statements), then
    lets go and tries again after a pause; after ``attempts`` the script stops with nothing changed.
    ``locks``: ``(table, mode)`` in the order they are taken (the same order in every script)."""
    statements = "\n".join(f"      LOCK TABLE {table(n)} IN {m} MODE;" for n, m in locks)
    names = ", ".join(short(n) for n, _ in locks)
    message = f"could not lock {names} in {attempts} attempts: nothing was changed".replace("%", "%%")
    sql = "DO " + dollar_quote(
        "\nDECLARE\n  previous text := current_setting('lock_timeout');\nBEGIN\n"
        f"  FOR attempt IN 1..{attempts} LOOP\n    BEGIN\n"
        f"      PERFORM set_config('lock_timeout', {literal(timeout)}, true);\n{statements}\n"
        "      PERFORM set_config('lock_timeout', previous, true);\n      RETURN;\n"
        "    EXCEPTION WHEN lock_not_available THEN\n"
        "      PERFORM pg_sleep(0.1 * attempt);  -- the locks taken in this attempt are released\n"
        "    END;\n  END LOOP;\n"
        f"  RAISE EXCEPTION {literal(message)}\n"  # a format: a % in a name is written %%
        "    USING ERRCODE = 'lock_not_available';\nEND\n", "lock")
    return step(sql, *locks, note=f"take every lock up front, in one order, retrying ({names})")
