"""What an option relies on, checked against the schema the migrations build, before its SQL is written.

Options are written from findings; the findings come from a plan that may be wrong about the schema.
These small checks are what the generators call so that a script does not fail on what PostgreSQL
refuses whatever the rows are:

* :func:`reference_types`: a foreign key needs comparable column types (``text`` → ``uuid`` cannot be
  implemented): the option does not apply, and says why;
* :func:`unique_target`: a foreign key needs a primary key or unique constraint on exactly the
  referenced columns; when there is none the option adapts: :func:`add_unique_target` gives the unique
  index built ``CONCURRENTLY`` (``up.sql``, autocommit) and made the constraint afterwards (its own steps,
  with their locks), its rollback, and a preflight check that lists the duplicate values that would make
  it fail on the user's data;
* :func:`column_free`: a column an option adds must not exist yet; :func:`scope_column`: nor may a
  table that already holds a key to the entity get a second one (a ``created_by`` copying ``invited_by``).

Each returns an empty string when the option can rely on the schema, else the reason in a sentence.
Types it does not know are taken as compatible (PostgreSQL has the last word in the rehearsal).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemalens.core.model import Schema
from schemalens.core.names import dollar_quote, md_name
from schemalens.decide.decisions import Check, Risk
from schemalens.decide.phased import create_index_concurrently, invalid_index_check, outside
from schemalens.decide.sqlgen import (
    ACCESS_EXCLUSIVE,
    ACCESS_SHARE,
    Step,
    drop_constraint,
    ident,
    idents,
    literal,
    short,
    step,
    table,
)
from schemalens.read.replay import EXTERNAL_PRIMARY_KEYS

# Type families whose members PostgreSQL can compare in a foreign key (btree cross-type operators).
FAMILIES = {
    "smallint": "integer", "int2": "integer", "integer": "integer", "int": "integer", "int4": "integer",
    "serial": "integer", "bigint": "integer", "int8": "integer", "bigserial": "integer", "smallserial": "integer",
    "text": "text", "varchar": "text", "character varying": "text", "char": "text", "character": "text",
    "bpchar": "text", "name": "text",
    "uuid": "uuid", "boolean": "boolean", "bool": "boolean", "date": "date",
    "timestamp": "timestamp", "timestamptz": "timestamp", "timestamp with time zone": "timestamp",
    "timestamp without time zone": "timestamp", "numeric": "numeric", "decimal": "numeric", "jsonb": "jsonb",
}


def family(type_: str) -> str | None:
    """The comparison family of a column type, None when not known here.

    >>> family("VARCHAR(255)"), family("uuid"), family("BIGINT"), family("public.mood")
    ('text', 'uuid', 'integer', None)
    """
    base = type_.lower().split("(")[0].strip()
    return FAMILIES.get(base)


def _types(schema: Schema, name: str, columns: Sequence[str]) -> list[str | None]:
    t = schema.table(name)
    if t is None:
        return [("uuid" if name == "auth.users" and c == "id" else None) for c in columns]
    return [t.column(c).type if t.column(c) is not None else None for c in columns]


def reference_types(schema: Schema, name: str, columns: Sequence[str], ref: str, ref_columns: Sequence[str]) -> str:
    """Empty when each column can reference its counterpart; else why PostgreSQL refuses the key."""
    for c, rc, a, b in zip(columns, ref_columns, _types(schema, name, columns), _types(schema, ref, ref_columns),
                           strict=True):
        fa, fb = (family(a) if a else None), (family(b) if b else None)
        if fa and fb and fa != fb:
            return (f"`{short(name)}.{c}` is {a} and `{short(ref)}.{rc}` is {b}: PostgreSQL cannot compare them "
                    "in a foreign key (\"incompatible types\")")
    return ""


def comparable(schema: Schema, name: str, columns: Sequence[str], ref: str, ref_columns: Sequence[str]) -> bool:
    """Each column and its counterpart are of one known comparison family (``=`` works between them as they
    are); False when a type is of another family or not known here (a platform's table such as
    ``storage.objects``, which the migrations never create)."""
    pairs = zip(_types(schema, name, columns), _types(schema, ref, ref_columns), strict=True)
    return all(a and b and family(a) is not None and family(a) == family(b) for a, b in pairs)


def unique_target(schema: Schema, ref: str, ref_columns: Sequence[str]) -> str:
    """Empty when a primary key, unique constraint or unique index covers exactly ``ref_columns``."""
    want = set(ref_columns)
    t = schema.table(ref)
    if t is None:
        known = EXTERNAL_PRIMARY_KEYS.get(ref)
        return "" if known is None or set(known) == want else f"{md_name(ref)} has no unique key on {', '.join(ref_columns)}"
    keys = [set(t.primary_key)] + [set(u.columns) for u in t.uniques]
    keys += [set(i.columns) for i in schema.indexes if i.table == t.name and i.unique]
    if want in keys:
        return ""
    return (f"{md_name(ref)} has no primary key or unique constraint on {', '.join(ref_columns)} (PostgreSQL: "
            "\"there is no unique constraint matching given keys for referenced table\")")


def column_free(schema: Schema, name: str, column: str) -> str:
    """Empty when ``name`` has no column ``column`` yet (an option may add it)."""
    t = schema.table(name)
    if t is not None and t.column(column) is not None:
        return f"{md_name(name)} already has a column `{column}`"
    return ""


def scope_column(schema: Schema, name: str, entity: str, column: str) -> str:
    """Empty when an option may add ``column`` (a key to ``entity``) to ``name``: the table has no such
    column and no key to ``entity`` already (a second column copying e.g. ``invited_by`` is no scope)."""
    have = [fk for fk in schema.foreign_keys_from(name) if fk.ref_table == entity]
    if have:
        cols = ", ".join(f"`{'`, `'.join(fk.columns)}`" for fk in have)
        return f"{md_name(name)} already references {md_name(entity)} through {cols}"
    return column_free(schema, name, column)


@dataclass(frozen=True)
class UniqueTarget:
    """The unique constraint a foreign key needs: its index built first (``up``, in autocommit), then made the
    constraint (``constraint``, in the script that adds the key), its rollback, preflight checks and risk."""

    up: tuple[Step, ...]
    constraint: Step
    down: Step
    checks: tuple[Check, ...]
    risk: Risk


def add_unique_target(ref: str, ref_columns: Sequence[str], name: str, script: str = "key") -> UniqueTarget:
    """The unique constraint ``name`` on ``ref (ref_columns)`` in two phases, so that no lock that blocks
    writes is held while the index reads every row: ``up.sql`` (autocommit) refuses to start while two rows
    share a value (nothing changed; check ``duplicates``, before up, blocking) and builds the unique index
    ``CONCURRENTLY`` (SHARE UPDATE EXCLUSIVE); ``<script>.sql`` then makes it the constraint with ``ADD
    CONSTRAINT … UNIQUE USING INDEX`` (ACCESS EXCLUSIVE, no row read). Before issue 20's volume run it was
    one ``ADD CONSTRAINT … UNIQUE`` holding ACCESS EXCLUSIVE for the whole build."""
    cols = idents(ref_columns)
    not_null = " AND ".join(f"{ident(c)} IS NOT NULL" for c in ref_columns)
    duplicates = f"SELECT {cols}, count(*) AS rows FROM {table(ref)}\nWHERE {not_null}\nGROUP BY {cols} HAVING count(*) > 1"
    message = f"{short(ref)} ({', '.join(ref_columns)}) has duplicate values: see preflight.sql (duplicates); " \
              "nothing was changed"
    guard = outside(step("DO " + dollar_quote(
        f"\nBEGIN\n  IF EXISTS ({duplicates.replace(chr(10), ' ')}) THEN\n"
        f"    RAISE EXCEPTION {literal(message.replace('%', '%%'))};\n  END IF;\nEND\n", "guard"),
        (ref, ACCESS_SHARE), note=f"refuse to start while {short(ref)} ({', '.join(ref_columns)}) has duplicates"))
    build = create_index_concurrently(name, ref, list(ref_columns), unique=True)
    return UniqueTarget(
        (guard, build),
        step(f"ALTER TABLE {table(ref)} ADD CONSTRAINT {ident(name)} UNIQUE USING INDEX {ident(name)}",
             (ref, ACCESS_EXCLUSIVE),
             note=f"make {short(ref)} ({', '.join(ref_columns)}) unique with the index up.sql built (no row is read): "
                  "a foreign key needs it"),
        drop_constraint(ref, name),
        (Check("duplicates", duplicates,
               f"Each row is a value of {md_name(ref)} ({', '.join(ref_columns)}) that several rows share: the unique "
               "constraint the foreign key needs cannot be added until only one row keeps it.",
               blocking=True),
         invalid_index_check([(name, ref)], "up")),
        Risk("lock", f"up.sql runs in autocommit: it builds the unique index `{name}` CONCURRENTLY (SHARE UPDATE "
             f"EXCLUSIVE: reads and writes go on while it reads every row). {script}.sql first makes it the "
             f"constraint: ACCESS EXCLUSIVE on {short(ref)}, briefly (no row is read)."),
    )


__all__ = ["UniqueTarget", "add_unique_target", "column_free", "family", "reference_types", "scope_column",
           "unique_target"]
