"""What a change reaches: every object that references the tables (and columns) an option changes.

Foreign keys to and from the tables, policies on them and policies whose predicates name them or
the columns, functions whose bodies name them (PostgreSQL keeps function bodies as text, so a rename
breaks them while policies, views and foreign keys follow it), triggers, views whose definitions
name them, indexes, and the statements of planned documents that use them. Each :class:`Item` says
how the option affects it (``effect``, given by the option per kind of object).

Names are matched as whole words (``agencies`` does not match ``agencies_archive``); a function or
view that builds SQL dynamically can still name a table in a way this does not see.

>>> from schemalens.core.model import ForeignKey, Policy, Schema, Table
>>> s = Schema(tables=(Table("public.a"), Table("public.b")),
...            foreign_keys=(ForeignKey("b_a_id_fkey", "public.b", ("a_id",), "public.a", ("id",)),),
...            policies=(Policy("p", "public.b", using="a_id IN (SELECT id FROM a)"),))
>>> [(i.kind, i.name) for i in impact(s, ["public.a"]).items]
[('foreign key', 'b_a_id_fkey'), ('policy', 'p')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from schemalens.core.model import Schema, qualify
from schemalens.core.names import md_cell, md_code, md_name, md_text
from schemalens.core.names import short as _short
from schemalens.read.parse import mentions

KINDS = ("foreign key", "policy", "function", "trigger", "view", "index", "document")


@dataclass(frozen=True)
class Item:
    """One object that references what an option changes."""

    kind: str  # see KINDS
    name: str
    on: str  # its table, or the document
    via: str  # what it references
    source: str = ""  # file:line
    effect: str = ""


@dataclass(frozen=True)
class Impact:
    """The objects an option reaches; ``tables``/``columns`` are what it changes."""

    tables: tuple[str, ...]
    columns: tuple[str, ...] = ()
    items: tuple[Item, ...] = ()
    schema: Schema = field(default_factory=Schema, compare=False, repr=False)

    def counts(self) -> dict[str, int]:
        return {k: n for k in KINDS if (n := sum(i.kind == k for i in self.items))}

    def rows(self) -> list[dict[str, str]]:
        return [
            {
                "kind": i.kind,
                "name": i.name,
                "on": _short(i.on),
                "references": i.via,
                "source": i.source,
                "effect": i.effect,
            }
            for i in self.items
        ]

    def markdown(self) -> str:
        changed = ", ".join(f"{md_name(t)}" for t in self.tables) or "nothing"
        cols = f"; columns {', '.join(f'{md_name(c)}' for c in self.columns)}" if self.columns else ""
        if not self.items:
            return f"Changes {changed}{cols}: nothing else references them.\n"
        lines = [
            (
                f"Changes {changed}{cols}; {len(self.items)} objects reference them "
                f"({', '.join(f'{n} {k}' for k, n in self.counts().items())}):"
            ),
            "",
            "| kind | object | on | references | source | effect |",
            "|---|---|---|---|---|---|",
        ]
        for i in self.items:
            cells = (
                i.kind,
                md_code(i.name),
                md_name(i.on),
                md_text(i.via),
                md_code(i.source) if i.source else "",
                i.effect,
            )
            lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def frame(self):
        """The items as a pandas DataFrame (pandas is an optional dependency)."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=["kind", "name", "on", "references", "source", "effect"])


def impact(
    schema: Schema,
    tables: Iterable[str],
    columns: Iterable[str] = (),
    documents: Iterable = (),
    views: Mapping[str, str] | None = None,
    effects: Mapping[str, str] | None = None,
    document_tables: Iterable[str] = (),
    extra: Iterable[Item] = (),
    mention_columns: bool = True,
) -> Impact:
    """Every object of ``schema`` (and statement of ``documents``) that references ``tables`` or ``columns``.

    ``columns`` are ``schema.table.column``; ``views`` maps a view to its definition (the model keeps
    none); ``document_tables`` are further names to look for in documents (e.g. the plan's name for a
    table); ``effects`` maps a kind to what the option does to objects of that kind; ``extra`` items are
    added as given (e.g. the policies a finding lists); ``mention_columns=False`` matches column names
    in predicates and bodies no more (for names like ``id`` that every predicate has).
    """
    from schemalens.read.document_references import statement_references

    tables = tuple(dict.fromkeys(qualify(t) for t in tables))
    columns = tuple(dict.fromkeys(columns))
    effects = dict(effects or {})
    names = [_short(t).split(".")[-1] for t in tables]
    names += [c.rsplit(".", 1)[1] for c in columns] if mention_columns else []
    col_pairs = {(c.rsplit(".", 1)[0], c.rsplit(".", 1)[1]) for c in columns}
    out: list[Item] = []

    def add(kind: str, name: str, on: str, via: str, source: object = "") -> None:
        src = str(source) if source and str(source) != ":0" else ""
        out.append(Item(kind, name, on, via, src, effects.get(kind, "")))

    def named(text: str | None) -> list[str]:
        return [n for n in names if text and mentions(text, n)]

    for fk in schema.foreign_keys:
        cols = ", ".join(fk.columns)
        if fk.ref_table in tables or any((fk.ref_table, c) in col_pairs for c in fk.ref_columns):
            add(
                "foreign key",
                fk.name,
                fk.table,
                f"{_short(fk.table)}.{cols} → {_short(fk.ref_table)}",
                fk.source,
            )
        elif fk.table in tables or any((fk.table, c) in col_pairs for c in fk.columns):
            add(
                "foreign key",
                fk.name,
                fk.table,
                f"{_short(fk.table)}.{cols} → {_short(fk.ref_table)} (outgoing)",
                fk.source,
            )
    for p in schema.policies:
        hits = named(p.using) + [n for n in named(p.with_check) if n not in named(p.using)]
        if p.table in tables or hits:
            via = f"on {_short(p.table)}" if p.table in tables else ""
            via = "; ".join(x for x in (via, f"predicate names {', '.join(hits)}" if hits else "") if x)
            add("policy", p.name, p.table, via, p.source)
    for f in schema.functions:
        hits = named(f.body)
        if hits:
            add(
                "function",
                f"{_short(f.name)}({f.arguments})",
                f.name,
                f"body names {', '.join(hits)}",
                f.source,
            )
    for t in schema.triggers:
        if t.table in tables:
            add("trigger", t.name, t.table, f"on {_short(t.table)} → {_short(t.function)}()", t.source)
    for name, text in sorted((views or {}).items()):
        hits = named(text)
        if hits:
            add("view", _short(name), name, f"definition names {', '.join(hits)}")
    for i in schema.indexes:
        if i.table in tables or any((i.table, c) in col_pairs for c in i.columns):
            add("index", i.name, i.table, f"{_short(i.table)} ({', '.join(i.columns)})", i.source)
    wanted = set(tables) | {qualify(t) for t in document_tables}
    for doc in documents:
        uses: dict[str, list[int]] = {}
        for st in doc.statements:
            for r in statement_references(doc, st):
                hit = (
                    r.table in wanted
                    if r.kind == "table"
                    else (r.kind == "column" and (r.table, r.column) in col_pairs)
                )
                if hit and r.line not in uses.setdefault(r.name, []):
                    uses[r.name].append(r.line)
        if uses:
            via = "; ".join(
                f"uses {n} (line{'s' if len(ls) > 1 else ''} {', '.join(map(str, sorted(ls)))})"
                for n, ls in uses.items()
            )
            add("document", doc.name, doc.name, via, f"{doc.name}:{min(min(ls) for ls in uses.values())}")
    index = {(i.kind, i.name, i.on): n for n, i in enumerate(out)}
    for e in extra:
        n = index.get((e.kind, e.name, e.on))
        if n is None:
            out.append(e)
        else:
            out[n] = Item(e.kind, e.name, e.on, f"{out[n].via}; {e.via}", out[n].source or e.source, e.effect)
    return Impact(tables, columns, tuple(out), schema)


__all__ = ["KINDS", "Impact", "Item", "impact"]
