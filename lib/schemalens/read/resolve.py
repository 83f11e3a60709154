"""The manifest's names read against the actual schema: what a person wrote, the table they meant.

The manifest parser alone cannot know the schema, so a plain name is only ``public.<name>`` there; here it
becomes the table the migrations build, in this order:

1. the name exactly as read (``public.accounts``, or ``basejump.accounts`` when written qualified);
2. for a plain name, the only schema that has a table of exactly that name (``accounts`` →
   ``basejump.accounts`` when no ``public.accounts`` exists);
3. the same two steps case-insensitively, when exactly one table fits (``Team`` → ``public."Team"``, a
   Prisma table).

Two or more candidates at one step are an error listing them (write the schema, or the name quoted);
no candidate leaves the name as read (a ``missing-table`` finding then looks for its counterpart).
A table the plan proposes is never resolved (it does not exist yet), and neither is a parent that is
itself proposed (a chain of proposals). Columns of assumed foreign keys resolve the same way in their
table: exactly, then case-insensitively when one column fits.

>>> from schemalens.read.manifest import parse_manifest
>>> from schemalens.core.model import Column, Schema, Table
>>> s = Schema(tables=(Table("basejump.accounts", (Column("id", "uuid"),), ("id",)),
...                    Table("public.Team", (Column("id", "int"), Column("ownerId", "int")), ("id",))))
>>> m = resolve_names(parse_manifest("root: accounts\\nforeign_keys:\\n  - team.ownerid -> accounts.id\\n"), s)
>>> m.root.table, m.foreign_keys[0].table, m.foreign_keys[0].columns
('basejump.accounts', 'public.Team', ('ownerId',))
"""

from __future__ import annotations

from schemalens.core.errors import ManifestError
from schemalens.core.model import Schema
from schemalens.core.names import md_code
from schemalens.read.manifest import Manifest
from schemalens.read.replay import EXTERNAL_PRIMARY_KEYS


def _known(schema: Schema) -> list[str]:
    """The tables a name can mean: those the migrations create, those their foreign keys reference (a
    folder that starts mid-history references tables it never creates), and Supabase's own."""
    referenced = [fk.ref_table for fk in schema.foreign_keys]
    return list(dict.fromkeys([t.name for t in schema.tables] + referenced + list(EXTERNAL_PRIMARY_KEYS)))


def _pick(candidates: list[str], what: str, manifest: Manifest, line: int | None) -> str | None:
    if len(candidates) > 1:
        listed = ", ".join(f"{md_code(c)}" for c in sorted(candidates))
        raise ManifestError(
            f"{what} is ambiguous: it could be {listed}; write the one you mean "
            "(schema-qualified, or double-quoted for its exact case)",
            manifest.file,
            line,
        )
    return candidates[0] if candidates else None


def resolve_table(name: str, schema: Schema, manifest: Manifest, line: int | None = None) -> str:
    """The actual table meant by ``name`` (as :func:`schemalens.read.manifest.table_of` read it), or ``name``."""
    known = _known(schema)
    if name in known:
        return name
    sch, _, table = name.partition(".")
    plain = sch == "public"
    steps = (
        lambda k: k.split(".", 1)[1] == table,
        lambda k: k.lower() == name.lower(),
        lambda k: k.split(".", 1)[1].lower() == table.lower(),
    )
    for i, fits in enumerate(steps):
        if i != 1 and not plain:
            continue
        found = _pick([k for k in known if fits(k)], f"`{table if plain else name}`", manifest, line)
        if found:
            return found
    return name


def resolve_column(table: str, column: str, schema: Schema, manifest: Manifest, line: int | None) -> str:
    """``column`` of ``table`` as the table spells it: exactly, else the one case-insensitive match."""
    t = schema.table(table)
    if t is None or column in t.column_names:
        return column
    found = _pick(
        [c for c in t.column_names if c.lower() == column.lower()], f"`{table}.{column}`", manifest, line
    )
    return found or column


def resolve_names(manifest: Manifest, schema: Schema) -> Manifest:
    """``manifest`` with every table and column name read against ``schema`` (see the module)."""
    proposed = {p.table for p in manifest.proposed}

    def table(name: str, line: int | None) -> str:
        return name if name in proposed else resolve_table(name, schema, manifest, line)

    changes: dict = {}
    if manifest.root is not None:
        changes["root"] = manifest.root.model_copy(update={"table": table(manifest.root.table, manifest.root.line)})
    changes["hierarchy"] = tuple(
        e.model_copy(update={"child": table(e.child, e.line), "parent": table(e.parent, e.line)})
        for e in manifest.hierarchy
    )
    fks = []
    for a in manifest.foreign_keys:
        t, r = table(a.table, a.line), table(a.ref_table, a.line)
        fks.append(
            a.model_copy(
                update={
                    "table": t,
                    "ref_table": r,
                    "columns": tuple(resolve_column(t, c, schema, manifest, a.line) for c in a.columns),
                    "ref_columns": tuple(resolve_column(r, c, schema, manifest, a.line) for c in a.ref_columns),
                }
            )
        )
    changes["foreign_keys"] = tuple(fks)
    changes["scoping"] = tuple(
        s.model_copy(update={"table": table(s.table, s.line), "entity": table(s.entity, s.line)})
        for s in manifest.scoping
    )
    changes["proposed"] = tuple(
        p.model_copy(update={"parent": table(p.parent, p.line)}) for p in manifest.proposed
    )
    return manifest.model_copy(update=changes)


__all__ = ["resolve_column", "resolve_names", "resolve_table"]
