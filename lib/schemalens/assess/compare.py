"""Manifest + Schema (+ planned documents) -> Findings: what the plan assumes against what the files build.

Every rule is decided from the schema's structure (foreign keys, keys, policies, headers), never from
the names of a sample. Codes (ARCHITECTURE.md): ``missing-table``, ``root-mismatch``,
``missing-foreign-key``, ``manual-sync-required``, ``hierarchy-mismatch``, ``scope-mismatch``,
``project-ref-mismatch``, ``document-reference`` and the general checks ``rls-disabled``,
``table-without-policy``, ``unindexed-foreign-key``, ``unreachable-from-root``.

One rule per finding code, each in its module of :mod:`schemalens.assess.rules` (:data:`RULES`), each reading a
context built once before them (:func:`context`): a missing table gets its most likely counterpart
(:func:`schemalens.assess.counterpart.counterpart`), and the rules read the assumed name as that counterpart and say
so. The rules that need judgement:

* Roots are tables others reference whose own FKs point only outside the migrations
  (:func:`schemalens.read.graph.roots`: a tenant table keyed by ``auth.users`` is still a root).
  ``root-mismatch`` is for an assumed root that exists but is not a root (a missing root is a
  ``missing-table``); the *actual root* is the assumed root when it is a root, else the only root,
  else the missing root's counterpart.
* ``manual-sync-required``: every column a policy (or a plain-SQL helper it calls) compares with
  ``auth.uid()`` is followed through single-column FKs; it is tied when they reach ``auth.users``
  or a trigger on ``auth.users`` inserts into the table at the end of the chain. One finding per
  untied key at the end of the chain (``notifications.user_id → users.id`` counts for ``users.id``).
* ``hierarchy-mismatch``: a warning when the parent is reached through other tables, critical when
  it is not reached at all.
* ``scope-mismatch``: a table's scope is what its SELECT/ALL policies bind the user to
  (:mod:`schemalens.read.rls`), else the first hop of its FK path to the root (or to ``auth.users``).
  The finding says when the FK path and the policies disagree. Rows that belong to the assumed entity
  by a direct FK or a many-to-many link table are no mismatch, whatever the policies narrow per user
  (:func:`schemalens.assess.plan_checks.belongs_to`); a table nothing owns is reported as global.
* ``unreachable-from-root``: public tables with no FK path to the actual root, one finding per group
  of tables that reach the same tops (e.g. only ``auth.users``: user-owned rows outside the tenant
  hierarchy; or nothing: standalone tables). Such a group shares its decision id with a
  ``scope-mismatch`` on the same tables, so a report shows them together. Without one actual root
  the check is skipped.
* Names: the manifest's plain names are read against the schema first (:mod:`schemalens.read.resolve`:
  ``accounts`` is ``basejump.accounts`` when only that schema has one, ``Team`` is Prisma's ``"Team"``).
* General checks look at every table the migrations create; ``rls-disabled`` only on Supabase.

>>> from schemalens.read.manifest import parse_manifest
>>> from schemalens.core.model import Column, ForeignKey, Schema, Table
>>> orgs = Table("public.orgs", (Column("id", "uuid"),), ("id",), rls_enabled=True)
>>> users = Table("public.users", (Column("id", "uuid"), Column("org_id", "uuid")), ("id",), rls_enabled=True)
>>> fk = ForeignKey("users_org_id_fkey", "public.users", ("org_id",), "public.orgs", ("id",))
>>> s = Schema(tables=(orgs, users), foreign_keys=(fk,))
>>> found = compare(s, parse_manifest("root: tenants"))
>>> [(f.code, f.data.get("counterpart")) for f in found if f.code == "missing-table"]
[('missing-table', 'public.orgs')]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from schemalens.assess.counterpart import counterpart, map_names
from schemalens.assess.findings import (
    CODES,
    SEVERITIES,
    Context,
    Evidence,
    Finding,
    Findings,
    Sources,
    group_name,
    short,
)
from schemalens.assess.rules import RULES
from schemalens.assess.rules.paths import arrow_path
from schemalens.core.model import Schema
from schemalens.read import marks
from schemalens.read.documents import Document, read_document
from schemalens.read.graph import build_graph
from schemalens.read.graph import roots as hierarchy_roots
from schemalens.read.manifest import Manifest, load_manifest
from schemalens.read.platform import Detected, detect_platform
from schemalens.read.resolve import resolve_names
from schemalens.read.runners import detect


def context(
    schema: Schema,
    manifest: Manifest | None = None,
    *,
    sources: Sources | None = None,
    documents: Sequence[Document] | None = None,
) -> Context:
    """What every rule reads, built once before the rules: the manifest's names resolved against the schema,
    the planned documents read, the FK graph, the platform, the counterparts of missing tables and the
    actual root (:func:`schemalens.assess.counterpart.map_names`)."""
    manifest = resolve_names(manifest or Manifest(), schema)
    if documents is None:
        documents = (
            [
                read_document(p, manifest.document_name(p))
                for p in manifest.document_paths()
            ]
            if manifest.documents
            else []
        )
    ctx = Context(schema, manifest, sources or Sources(), list(documents), build_graph(schema))
    ctx.platform = platform_of(ctx.sources, manifest).name
    return map_names(ctx)


def context_of(sql: str, manifest: str = "", documents: Sequence[Document] | None = None) -> Context:
    """The context of migrations given as SQL text, a manifest given as YAML and planned ``documents``
    (for examples and tests).

    >>> ctx = context_of("CREATE TABLE orgs (id int PRIMARY KEY); "
    ...                  "CREATE TABLE users (id int PRIMARY KEY, org_id int REFERENCES orgs);", "root: tenants")
    >>> ctx.mapping, ctx.root
    ({'public.tenants': 'public.orgs'}, 'public.orgs')
    """
    from schemalens.read.manifest import parse_manifest
    from schemalens.read.parse import split_and_parse
    from schemalens.read.replay import replay

    return context(replay(split_and_parse(sql, "1.sql")), parse_manifest(manifest) if manifest else None,
                   documents=documents)


def compare(
    schema: Schema,
    manifest: Manifest | None = None,
    *,
    sources: Sources | None = None,
    documents: Sequence[Document] | None = None,
) -> Findings:
    """Every finding for a schema against a manifest (``None``: the general checks only)."""
    ctx = context(schema, manifest, sources=sources, documents=documents)
    found: list[Finding] = []
    for rule in RULES:
        found += rule(ctx)
    found.sort(key=lambda f: (CODES.index(f.code), SEVERITIES.index(f.severity), f.subject))
    ctx.sources.spans.save()  # the statements the evidence cited, for the next run
    return Findings(
        tuple(found),
        schema,
        ctx.manifest,
        ctx.sources.folder,
        tuple(ctx.documents),
        ctx.root,
        dict(ctx.mapping),
        tuple(ctx.sources.files),
        tuple(_notes(ctx)),
    )


def _notes(ctx: Context) -> list[str]:
    """A manifest without ``root`` is fine until a check needs one: then the report says which and why."""
    candidates = hierarchy_roots(ctx.graph)
    if ctx.manifest.root is not None or ctx.root is not None or len(candidates) < 2:
        return []
    listed = ", ".join(f"`{short(c)}`" for c in candidates[:5]) + (", …" if len(candidates) > 5 else "")
    note = (
        f"The manifest names no `root` and {len(candidates)} tables could be it ({listed}): "
        "`unreachable-from-root` was not checked; add `root:` to check it."
    )
    return [note]


def platform_of(sources: Sources, manifest: Manifest | None = None) -> Detected:
    """The platform the general checks assume: the manifest's ``platform:``, else detected from the
    migration files as the build detects it (:func:`schemalens.read.runners.detect`: templates rendered by
    their runner), else Supabase (no files to tell)."""
    given = manifest.platform if manifest else None
    if sources.files:  # each file's marks kept by its content (read.marks): the expressions ran over every file
        return detect(sources.folder, tuple(sources.files.values()), given, marks=marks.cached(sources.folder))[0]
    return detect_platform([], [], given) if given else Detected("supabase", ("no migration files to tell",))


def analyse(migrations: str | Path, manifest: str | Path | Manifest | None = None, *,
            allow_outside_documents: bool = False, schema: Schema | None = None) -> Findings:
    """Load a migration folder and a manifest (path or :class:`Manifest`) and compare them;
    ``allow_outside_documents`` reads planned documents outside the manifest's folder too; ``schema`` is
    the folder's model when the caller has it already (exact mode's, :mod:`schemalens.db.exact`)."""
    from schemalens.read.project import load_schema

    m = load_manifest(manifest) if isinstance(manifest, (str, Path)) else manifest
    if m is not None and allow_outside_documents:
        m = m.model_copy(update={"allow_outside_documents": True})
    return compare(schema if schema is not None else load_schema(migrations), m, sources=Sources(migrations))


__all__ = [
    "CODES",
    "SEVERITIES",
    "Evidence",
    "Finding",
    "Findings",
    "Sources",
    "analyse",
    "arrow_path",
    "compare",
    "context",
    "counterpart",
    "group_name",
    "hierarchy_roots",
    "short",
]
