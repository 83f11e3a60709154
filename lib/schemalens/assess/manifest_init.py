"""``schemalens init``: the manifest that describes the schema the migrations build, commented.

A team edits it into its plan's assumptions (docs/manifest.md): what it says is true of the files, so
:func:`schemalens.assess.compare.compare` finds no plan finding in it as written. It holds:

* ``platform``: detected (:mod:`schemalens.read.platform`), with the reasons;
* ``root``: the top of the foreign-key hierarchy that most tables hang under (the others in a comment);
* ``hierarchy``: every owning foreign key between the tables the migrations create (``child -> parent``;
  a foreign key ``ON DELETE SET NULL`` or to a one-to-one detail row is not ownership,
  :func:`schemalens.assess.plan_checks.owns`), with its columns and ``ON DELETE`` in a comment;
* ``foreign_keys``: the foreign keys behind the columns the policies compare with ``auth.uid()``;
* ``scoping``: for each table with a policy, what the policies bind its rows to (else its owner by FK).

Names are written as a person would: plain for ``public`` (and for another schema when no other schema
has a table of that name), quoted when their case or characters need it.

>>> from schemalens.core.model import Column, ForeignKey, Schema, Table
>>> s = Schema(tables=(Table("public.orgs", (Column("id", "uuid"),), ("id",)),
...                    Table("public.teams", (Column("id", "uuid"), Column("org_id", "uuid")), ("id",))),
...            foreign_keys=(ForeignKey("f", "public.teams", ("org_id",), "public.orgs", ("id",), "CASCADE"),))
>>> print(init_manifest(s).split("root:")[1].splitlines()[0])
 orgs  # 1 table hangs under it
"""

from __future__ import annotations

import re
from collections import Counter

from schemalens.assess.compare import platform_of
from schemalens.assess.findings import Context, Sources
from schemalens.assess.plan_checks import owned_roots, owner_path, owning_foreign_keys
from schemalens.core.model import Schema
from schemalens.read import rls
from schemalens.read.graph import build_graph
from schemalens.read.manifest import Manifest

_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


def _ident(name: str, alike: list[str]) -> str:
    """``name`` plain when it reads back as itself (lower case, or the only one of ``alike`` that equals it
    case-insensitively), else double-quoted."""
    unique = [a for a in alike if a.lower() == name.lower()] == [name]
    return name if _WORD.match(name) and (name == name.lower() or unique) else '"' + name.replace('"', '""') + '"'


def written(schema: Schema, table: str) -> str:
    """``table`` as the manifest would write it (see the module)."""
    sch, _, name = table.partition(".")
    names = list(dict.fromkeys([t.name for t in schema.tables] + [fk.ref_table for fk in schema.foreign_keys]))
    if sch == "public" or (
        sch not in ("auth", "storage") and [n for n in names if n.partition(".")[2].lower() == name.lower()] == [table]
    ):
        return _ident(name, [n.partition(".")[2] for n in names])
    return f"{_ident(sch, [n.partition('.')[0] for n in names])}.{_ident(name, [n.partition('.')[2] for n in names])}"


def _column(schema: Schema, table: str, column: str) -> str:
    t = schema.table(table)
    return _ident(column, list(t.column_names) if t else [column])


def _item(text: str) -> str:
    """A YAML scalar for ``text``: single-quoted when it holds a double quote (YAML would read it as one)."""
    return "'" + text.replace("'", "''") + "'" if '"' in text else text


def _comment(text: str) -> str:
    return "  # " + " ".join(text.split()) if text else ""


def init_manifest(schema: Schema, sources: Sources | None = None) -> str:
    """The manifest text (YAML with comments) that describes ``schema``."""
    sources = sources or Sources()
    ctx = Context(schema, Manifest(), sources, [], build_graph(schema))
    w = lambda t: written(schema, t)
    platform = platform_of(sources)
    out = [
        "# The schema as the migrations build it (schemalens init): edit it into your plan's assumptions.",
        "# Every line is true of the files now; `schemalens report DIR --manifest this.yaml` finds nothing to",
        "# compare. Reference: docs/manifest.md.",
        f"platform: {platform.name}" + _comment("; ".join(platform.reasons)),
    ]
    below = owned_roots(ctx)
    ranked = sorted(below, key=lambda r: (-below[r], r))
    if ranked:
        top = ranked[0]
        others = ", ".join(f"{w(r)} ({below[r]})" for r in ranked[1:6]) + (", …" if len(ranked) > 6 else "")
        out.append(
            f"root: {_item(w(top))}"
            + _comment(
                f"{below[top]} table{'s hang' if below[top] != 1 else ' hangs'} under it"
                + (f"; other tops: {others}" if others else "")
            )
        )
    else:
        out.append("# root: no table is referenced by others: name the tenant table here")
    created = {t.name for t in schema.tables}
    edges = owning_foreign_keys(schema)
    seen: Counter = Counter()
    out.append("hierarchy:" if edges else "hierarchy: []  # no table owns another by a foreign key")
    for fk in sorted(edges, key=lambda f: (f.table, f.ref_table, f.columns)):
        seen[(fk.table, fk.ref_table)] += 1
        if seen[(fk.table, fk.ref_table)] > 1:
            continue
        arrow = f"{w(fk.table)} -> {w(fk.ref_table)}"
        out.append(f"  - {_item(arrow)}" + _comment(f"{', '.join(fk.columns)}, ON DELETE {fk.on_delete}; {fk.source}"))
    keys = []
    for table, column in sorted(rls.identity_keys(schema)):
        fk = next((f for f in schema.foreign_keys_from(table) if f.columns == (column,)), None)
        if table in created and fk is not None:
            left = f"{w(table)}.{_column(schema, table, column)}"
            right = f"{w(fk.ref_table)}.{_column(schema, fk.ref_table, fk.ref_columns[0])}"
            keys.append(f"  - {_item(f'{left} -> {right}')}" + _comment(f"policies compare it with auth.uid(); {fk.source}"))
    out.append("foreign_keys:" if keys else "foreign_keys: []  # no policy compares a foreign key with auth.uid()")
    out += keys
    scopes = []
    for t in schema.tables:
        if not schema.policies_on(t.name):
            continue
        by_policy = rls.table_scopes(schema, t.name)
        path = owner_path(ctx, t.name)
        if by_policy:
            entity = max(by_policy, key=lambda sc: (len(rls.fk_path(schema, t.name, sc)), sc))
            how = f"policy \"{by_policy[entity][0].policy.name}\""
        elif len(path) > 1:
            entity, how = path[1], "its foreign key (no policy binds its rows)"
        else:
            continue
        owner = f"; rows belong to {w(path[1])} by FK" if len(path) > 1 and path[1] != entity else ""
        if entity == t.name:  # the policies check the row itself (membership of this very table)
            continue
        scopes.append(f"  {_item(w(t.name))}: {_item(w(entity))}" + _comment(f"by {how}{owner}"))
    out.append("scoping:" if scopes else "scoping: {}  # no policy binds rows to a user or an entity")
    out += scopes
    out += [
        "proposed: {}  # new_table: parent, for the tables the plan adds",
        "documents: []  # globs of the planned documents, relative to this file (plans/*.md)",
    ]
    return "\n".join(out) + "\n"


__all__ = ["init_manifest", "written"]
