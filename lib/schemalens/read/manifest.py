"""The plan's assumptions (``manifest.yaml``), validated; every error names the manifest's line.

What it reads (ARCHITECTURE.md, "Manifest"): ``project_ref``, ``platform`` (``supabase`` or ``postgres``,
when the folder alone does not tell; see :mod:`schemalens.read.platform`), ``root``, ``hierarchy`` (``child -> parent``
arrows; a chain ``a -> b -> c`` is two edges), ``foreign_keys`` (``table.column -> table.column``, the
referenced side may be schema-qualified: ``users.id -> auth.users.id``), ``scoping`` (table: entity),
``proposed`` (new table: expected parent) and ``documents`` (globs relative to the manifest).
Unqualified names are read as ``public.`` here; identifiers fold to lower case unless double-quoted.
The comparison then reads them against the schema (:mod:`schemalens.read.resolve`: ``accounts`` may be
``basejump.accounts``, ``Team`` Prisma's ``"Team"``), which the manifest alone cannot know.

It refuses rather than guesses: an unknown key, a malformed arrow, a value of the wrong type, a
missing manifest and a document glob that matches nothing are :class:`~schemalens.core.errors.ManifestError`
with the manifest's file and line.

>>> m = parse_manifest("root: tenants\\nhierarchy:\\n  - users -> clients -> agencies\\n")
>>> m.root.table, [(e.child, e.parent, e.line) for e in m.hierarchy]
('public.tenants', [('public.users', 'public.clients', 3), ('public.clients', 'public.agencies', 3)])
>>> parse_manifest("hierarchy:\\n  - users => tenants\\n")
Traceback (most recent call last):
...
schemalens.core.errors.ManifestError: manifest.yaml:2: hierarchy: malformed arrow 'users => tenants' ...
"""

from __future__ import annotations

import glob as globlib
import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemalens.core.errors import ManifestError
from schemalens.core.model import truncate_identifier
from schemalens.core.names import short
from schemalens.read.platform import PLATFORMS

_OUTSIDE_HINT = " (pass --allow-outside-documents to read it anyway)"
_NAME = r'(?:"[^"]+"|[A-Za-z_][\w$]*)'
_TABLE = re.compile(rf"^\s*({_NAME}(?:\.{_NAME})?)\s*$")
_COLUMN = re.compile(rf"^\s*({_NAME}(?:\.{_NAME}){{1,2}})\s*$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Assumed(_Frozen):
    """One assumption about a table (``root``, a scoping entity …) and the manifest line it is on."""

    table: str
    written: str
    line: int


class AssumedEdge(_Frozen):
    """``child -> parent``: the plan expects a foreign key from child to parent."""

    child: str
    parent: str
    text: str
    line: int


class AssumedForeignKey(_Frozen):
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    text: str
    line: int


class AssumedScope(_Frozen):
    """``table: entity``: every row of ``table`` belongs to one ``entity`` row."""

    table: str
    entity: str
    entity_written: str
    line: int


class ProposedTable(_Frozen):
    table: str
    parent: str
    parent_written: str
    line: int


class DocumentGlob(_Frozen):
    pattern: str
    line: int


class Manifest(_Frozen):
    """What the plan assumes. ``file`` is the manifest's path as given (documents resolve against it)."""

    file: str = "manifest.yaml"
    project_ref: str | None = None
    project_ref_line: int | None = None
    platform: str | None = None
    platform_line: int | None = None
    root: Assumed | None = None
    hierarchy: tuple[AssumedEdge, ...] = ()
    foreign_keys: tuple[AssumedForeignKey, ...] = ()
    scoping: tuple[AssumedScope, ...] = ()
    proposed: tuple[ProposedTable, ...] = ()
    documents: tuple[DocumentGlob, ...] = ()
    # not a manifest key: the reader's choice (--allow-outside-documents); left out of the repr
    allow_outside_documents: bool = Field(default=False, repr=False)

    def tables_mentioned(self) -> dict[str, list[tuple[str, int]]]:
        """``{table: [(role, line), …]}`` for every existing table the plan relies on (not proposed ones)."""
        out: dict[str, list[tuple[str, int]]] = {}

        def add(table: str, role: str, line: int) -> None:
            out.setdefault(table, []).append((role, line))

        if self.root:
            add(self.root.table, "root", self.root.line)
        for e in self.hierarchy:
            add(e.child, f"hierarchy {e.text}", e.line)
            add(e.parent, f"hierarchy {e.text}", e.line)
        for fk in self.foreign_keys:
            add(fk.table, f"foreign key {fk.text}", fk.line)
            add(fk.ref_table, f"foreign key {fk.text}", fk.line)
        for s in self.scoping:
            add(s.table, f"scoping {short(s.table)}: {s.entity_written}", s.line)
            add(s.entity, f"scoping {short(s.table)}: {s.entity_written}", s.line)
        proposed = {p.table for p in self.proposed}
        for p in self.proposed:
            if p.parent in proposed:  # a chain of proposals: its parent is new too
                continue
            add(p.parent, f"proposed {short(p.table)}: {p.parent_written}", p.line)
        return out

    def document_paths(self) -> tuple[Path, ...]:
        """The planned documents, in glob order then name order; a glob matching nothing is an error, and
        so is one reaching outside the manifest's folder tree (an absolute path, ``..``, a symlink that
        resolves elsewhere) unless ``allow_outside_documents`` (``--allow-outside-documents``)."""
        base = Path(self.file).parent
        found: list[Path] = []
        for d in self.documents:
            if Path(d.pattern).is_absolute() and not self.allow_outside_documents:
                raise ManifestError(f"documents: {d.pattern!r} is an absolute path; documents must be inside "
                                    f"the manifest's folder{_OUTSIDE_HINT}", self.file, d.line)
            matches = sorted(
                Path(p) for p in globlib.glob(str(base / d.pattern), recursive=True) if Path(p).is_file()
            )
            if not matches:
                raise ManifestError(
                    f"documents: {d.pattern!r} matches no file (relative to {base or '.'})", self.file, d.line
                )
            for m in matches:
                if not self.allow_outside_documents and not m.resolve().is_relative_to(base.resolve()):
                    how = "through a symlink" if ".." not in Path(self.document_name(m)).parts else "through '..'"
                    raise ManifestError(f"documents: {d.pattern!r} reaches {m}, outside the manifest's folder "
                                        f"({how}); documents must be inside it{_OUTSIDE_HINT}", self.file, d.line)
            found.extend(m for m in matches if m not in found)
        return tuple(found)

    def document_name(self, path: Path) -> str:
        """A document's name: its path relative to the manifest's folder (with ``..`` when outside it)."""
        return Path(os.path.relpath(path, Path(self.file).parent)).as_posix()

    def _repr_markdown_(self) -> str:
        rows = ["| assumption | value | line |", "|---|---|---|"]
        if self.project_ref:
            rows.append(f"| project_ref | `{self.project_ref}` | {self.project_ref_line} |")
        if self.platform:
            rows.append(f"| platform | `{self.platform}` | {self.platform_line} |")
        if self.root:
            rows.append(f"| root | `{self.root.written}` | {self.root.line} |")
        rows += [f"| hierarchy | `{e.text}` | {e.line} |" for e in self.hierarchy]
        rows += [f"| foreign key | `{f.text}` | {f.line} |" for f in self.foreign_keys]
        rows += [f"| scoping | `{s.table}`: `{s.entity_written}` | {s.line} |" for s in self.scoping]
        rows += [f"| proposed | `{p.table}` under `{p.parent_written}` | {p.line} |" for p in self.proposed]
        rows += [f"| documents | `{d.pattern}` | {d.line} |" for d in self.documents]
        return f"**Manifest** `{self.file}`\n\n" + "\n".join(rows) + "\n"


class _Raw(BaseModel):
    """The manifest's shape before names are read: pydantic checks keys and types."""

    model_config = ConfigDict(extra="forbid", strict=True)
    project_ref: str | None = None
    platform: str | None = None
    root: str | None = None
    hierarchy: list[str] = []
    foreign_keys: list[str] = []
    scoping: dict[str, str] = {}
    proposed: dict[str, str] = {}
    documents: list[str] = []


# Names ------------------------------------------------------------------------------------------


def _parts(dotted: str) -> list[str]:
    """The identifiers of a dotted name, folded and cut to 63 bytes as PostgreSQL does."""
    return [truncate_identifier(p[1:-1] if p.startswith('"') else p.lower()) for p in re.findall(_NAME, dotted)]


def table_of(written: str) -> str:
    """``schema.table`` for a manifest table name (``public.`` when unqualified).

    >>> table_of("Users"), table_of("auth.users"), table_of('"Tenants"')
    ('public.users', 'auth.users', 'public.Tenants')
    """
    m = _TABLE.match(written)
    if not m:
        raise ValueError(f"not a table name: {written!r}")
    parts = _parts(m.group(1))
    return ".".join(parts) if len(parts) == 2 else f"public.{parts[0]}"


def column_of(written: str) -> tuple[str, str]:
    """(``schema.table``, column) for ``table.column`` or ``schema.table.column``.

    >>> column_of("users.id"), column_of("auth.users.id")
    (('public.users', 'id'), ('auth.users', 'id'))
    """
    m = _COLUMN.match(written)
    if not m:
        raise ValueError(f"not a table.column name: {written!r}")
    parts = _parts(m.group(1))
    table = ".".join(parts[:-1]) if len(parts) == 3 else f"public.{parts[0]}"
    return table, parts[-1]


# Loading ----------------------------------------------------------------------------------------


MAX_DEPTH = 10  # a manifest needs 3 (mapping, list or mapping, value)


def _plain_yaml(text: str, file: str) -> None:
    """Refuse what a manifest has no use for and an attacker has: anchors and aliases (an alias bomb
    of a few hundred bytes expands to gigabytes) and explicit tags (``!!python/…``). Reads the event
    stream only, so nothing is expanded or constructed; YAML syntax errors are left to the caller. Nesting
    deeper than :data:`MAX_DEPTH` is refused too (thousands of ``[`` exhaust PyYAML's recursion)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1
            depth += isinstance(event, yaml.CollectionStartEvent) - isinstance(event, yaml.CollectionEndEvent)
            if depth > MAX_DEPTH:
                raise ManifestError(f"nested deeper than {MAX_DEPTH} levels: not a manifest", file, line)
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ManifestError("YAML anchors and aliases (&name, *name) are not allowed in a manifest: "
                                    "write the value out", file, line)
            if getattr(event, "tag", None) and not isinstance(event, yaml.DocumentStartEvent):
                raise ManifestError(f"YAML tags are not allowed in a manifest ({event.tag})", file, line)
    except yaml.YAMLError:
        return


def _lines(node: yaml.Node, path: tuple = (), file: str = "manifest.yaml") -> dict[tuple, int]:
    """``{path: line}`` for every key and item of a composed YAML document (1-based lines); a key given
    twice in one mapping is a :class:`ManifestError` naming both lines."""
    out = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                raise ManifestError("a key must be a plain name, not a list or mapping", file, k.start_mark.line + 1)
            key = k.value
            if path + (key,) in out:
                first, again = out[path + (key,)], k.start_mark.line + 1
                raise ManifestError(f"duplicate key {key!r} (lines {first} and {again}): keep one", file, again)
            out[path + (key,)] = k.start_mark.line + 1
            out.update({p: ln for p, ln in _lines(v, path + (key,), file).items() if p != path + (key,)})
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.update(_lines(item, path + (i,), file))
    return out


def _arrow(text: str, key: str) -> list[str]:
    sides = [s.strip() for s in text.split("->")]
    if len(sides) < 2 or not all(sides):
        example = "'child -> parent'" if key == "hierarchy" else "'table.column -> table.column'"
        raise ValueError(f"{key}: malformed arrow {text!r} (expected {example})")
    if key == "foreign_keys" and len(sides) != 2:
        raise ValueError(f"{key}: one arrow per foreign key, found {text!r}")
    return sides


def parse_manifest(text: str, file: str = "manifest.yaml") -> Manifest:
    """A manifest from YAML text; ``file`` names it in errors and anchors ``documents`` globs."""
    _plain_yaml(text, file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        if mark is not None and mark.line >= len(text.splitlines()):  # at the end: point where it began
            mark = getattr(e, "context_mark", None) or mark
        problem = getattr(e, "problem", None) or str(e)
        if "block sequence start" in problem or "block mapping start" in problem:
            problem += (
                " (this line is indented differently from the lines above it: align a list item's `- ` "
                "with the items before it, and a key with the keys beside it)"
            )
        raise ManifestError(f"not valid YAML: {problem}", file, mark.line + 1 if mark else None) from None
    if node is None:
        raise ManifestError("the manifest is empty", file)
    if not isinstance(node, yaml.MappingNode):
        raise ManifestError(
            "the manifest must be a mapping of keys (project_ref, root, hierarchy, …)",
            file,
            node.start_mark.line + 1,
        )
    lines = _lines(node, file=file)
    data = yaml.safe_load(text)
    data = {k: v for k, v in data.items() if v is not None}  # an empty key means "no assumption"

    def line_of(path: tuple) -> int:
        while path and path not in lines:
            path = path[:-1]
        return lines.get(path, 1)

    try:
        raw = _Raw.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(err["loc"])
        where = ".".join(str(p) for p in loc)
        if err["type"] == "extra_forbidden":
            allowed = ", ".join(_Raw.model_fields)
            raise ManifestError(f"unknown key {where!r} (allowed: {allowed})", file, line_of(loc)) from None
        raise ManifestError(_type_error(where, err), file, line_of(loc)) from None

    fields: dict[str, Any] = {"file": file}
    try:
        if raw.project_ref is not None:
            fields["project_ref"], fields["project_ref_line"] = (
                raw.project_ref.strip(),
                line_of(("project_ref",)),
            )
        if raw.platform is not None:
            if raw.platform.strip() not in PLATFORMS:
                raise _At(f"platform: {raw.platform!r} is not one of {', '.join(PLATFORMS)}", ("platform",))
            fields["platform"], fields["platform_line"] = raw.platform.strip(), line_of(("platform",))
        if raw.root is not None:
            fields["root"] = Assumed(
                table=_table(raw.root, "root"), written=raw.root.strip(), line=line_of(("root",))
            )
        edges = []
        for i, item in enumerate(raw.hierarchy):
            try:
                names = [_table(s, "hierarchy", ("hierarchy", i)) for s in _arrow(item, "hierarchy")]
            except ValueError as e:
                raise _At(str(e), ("hierarchy", i)) from None
            except _At as e:
                if " - " in item:  # a deeper `- ` line became part of the item above: point at it
                    raise _At(
                        f"{e.args[0]}: {item.strip()!r} reads as one item; a `- ` line indented deeper than "
                        "the item above it continues that item: align it with the other items",
                        ("hierarchy", i),
                        line_of(("hierarchy", i)) + 1,
                    ) from None
                raise
            edges += [
                AssumedEdge(child=a, parent=b, text=item.strip(), line=line_of(("hierarchy", i)))
                for a, b in zip(names, names[1:])
            ]
        fields["hierarchy"] = tuple(edges)
        fks = []
        for i, item in enumerate(raw.foreign_keys):
            try:
                left, right = (_column(s) for s in _arrow(item, "foreign_keys"))
            except ValueError as e:
                raise _At(str(e), ("foreign_keys", i)) from None
            fks.append(
                AssumedForeignKey(
                    table=left[0],
                    columns=(left[1],),
                    ref_table=right[0],
                    ref_columns=(right[1],),
                    text=item.strip(),
                    line=line_of(("foreign_keys", i)),
                )
            )
        fields["foreign_keys"] = tuple(fks)
        fields["scoping"] = tuple(
            AssumedScope(
                table=_table(t, "scoping", ("scoping", t)),
                entity=_table(e, "scoping", ("scoping", t)),
                entity_written=e.strip(),
                line=line_of(("scoping", t)),
            )
            for t, e in raw.scoping.items()
        )
        fields["proposed"] = tuple(
            ProposedTable(
                table=_table(t, "proposed", ("proposed", t)),
                parent=_table(p, "proposed", ("proposed", t)),
                parent_written=p.strip(),
                line=line_of(("proposed", t)),
            )
            for t, p in raw.proposed.items()
        )
        fields["documents"] = tuple(
            DocumentGlob(pattern=d, line=line_of(("documents", i))) for i, d in enumerate(raw.documents)
        )
    except _At as e:
        raise ManifestError(e.args[0], file, e.line or line_of(e.path)) from None
    return Manifest(**fields)


# What each key holds, as a person writes it (for errors on a value of the wrong type).
_EXAMPLES = {
    "project_ref": ("a project id", "project_ref: abcdefghijklmnopqrst"),
    "platform": ("supabase or postgres", "platform: postgres"),
    "root": ("one table name", "root: teams"),
    "hierarchy": ("a list of `child -> parent` lines", "hierarchy:\n  - members -> teams\n  - teams -> orgs"),
    "foreign_keys": (
        "a list of `table.column -> table.column` lines",
        "foreign_keys:\n  - members.user_id -> auth.users.id",
    ),
    "scoping": ("a mapping of `table: entity` lines (no `- `)", "scoping:\n  notes: teams\n  files: teams"),
    "proposed": ("a mapping of `new_table: parent` lines (no `- `)", "proposed:\n  invoices: teams"),
    "documents": ("a list of file globs relative to the manifest", "documents:\n  - plans/*.md"),
}
_TYPES = {"dict_type": "a mapping", "list_type": "a list", "string_type": "a text"}


def _type_error(where: str, err: dict) -> str:
    """pydantic's ``input should be a valid dictionary`` as a sentence naming the key, with an example."""
    key = str(err["loc"][0]) if err["loc"] else ""
    if key not in _EXAMPLES or err["type"] not in _TYPES:
        return f"{where}: {err['msg'].lower()}"
    what, example = _EXAMPLES[key]
    found = {dict: "a mapping", list: "a list", str: "a text"}.get(type(err.get("input")), "something else")
    inner = f" ({where} is {found}, each entry must be a text)" if len(err["loc"]) > 1 else f", not {found}"
    return f"{key} must be {what}{inner}; for example:\n{example}"


class _At(Exception):
    def __init__(self, message: str, path: tuple, line: int | None = None):
        super().__init__(message)
        self.path = path
        self.line = line


def _table(written: str, key: str, path: tuple | None = None) -> str:
    try:
        return table_of(written)
    except ValueError:
        raise _At(f"{key}: {written!r} is not a table name", path or (key,)) from None


def _column(written: str) -> tuple[str, str]:
    try:
        return column_of(written)
    except ValueError:
        raise ValueError(
            f"foreign_keys: {written!r} is not 'table.column' or 'schema.table.column'"
        ) from None


def load_manifest(path: str | Path) -> Manifest:
    """Read and validate ``manifest.yaml``; a missing or unreadable file is a :class:`ManifestError`."""
    p = Path(path)
    if not p.is_file():
        raise ManifestError("manifest file does not exist" if not p.exists() else "not a file", str(path))
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ManifestError(f"cannot read the manifest ({e})", str(path)) from None
    return parse_manifest(text, str(path))


__all__ = [
    "Assumed",
    "AssumedEdge",
    "AssumedForeignKey",
    "AssumedScope",
    "DocumentGlob",
    "Manifest",
    "ProposedTable",
    "column_of",
    "load_manifest",
    "parse_manifest",
    "table_of",
]
