"""Manifest + Schema (+ planned documents) -> Findings: what the plan assumes against what the files build.

Every rule is decided from the schema's structure (foreign keys, keys, policies, headers), never from
the names of a sample. Codes (ARCHITECTURE.md): ``missing-table``, ``root-mismatch``,
``missing-foreign-key``, ``manual-sync-required``, ``hierarchy-mismatch``, ``scope-mismatch``,
``project-ref-mismatch``, ``document-reference`` and the general checks ``rls-disabled``,
``table-without-policy``, ``unindexed-foreign-key``, ``unreachable-from-root``.

A missing table gets its most likely counterpart (:func:`counterpart`); later checks read the
assumed name as that counterpart and say so. The rules that need judgement:

* Roots are tables others reference whose own FKs point only outside the migrations
  (:func:`schemalens.graph.roots`: a tenant table keyed by ``auth.users`` is still a root).
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
  (:mod:`schemalens.rls`), else the first hop of its FK path to the root (or to ``auth.users``).
  The finding says when the FK path and the policies disagree. Rows that belong to the assumed entity
  by a direct FK or a many-to-many link table are no mismatch, whatever the policies narrow per user
  (:func:`schemalens.plan_checks.belongs_to`); a table nothing owns is reported as global.
* ``unreachable-from-root``: public tables with no FK path to the actual root, one finding per group
  of tables that reach the same tops (e.g. only ``auth.users``: user-owned rows outside the tenant
  hierarchy; or nothing: standalone tables). Such a group shares its decision id with a
  ``scope-mismatch`` on the same tables, so a report shows them together. Without one actual root
  the check is skipped.
* Names: the manifest's plain names are read against the schema first (:mod:`schemalens.resolve`:
  ``accounts`` is ``basejump.accounts`` when only that schema has one, ``Team`` is Prisma's ``"Team"``).
* General checks look at every table the migrations create; ``rls-disabled`` only on Supabase.

>>> from schemalens.manifest import parse_manifest
>>> from schemalens.model import Column, ForeignKey, Schema, Table
>>> orgs = Table("public.orgs", (Column("id", "uuid"),), ("id",), rls_enabled=True)
>>> users = Table("public.users", (Column("id", "uuid"), Column("org_id", "uuid")), ("id",), rls_enabled=True)
>>> fk = ForeignKey("users_org_id_fkey", "public.users", ("org_id",), "public.orgs", ("id",))
>>> s = Schema(tables=(orgs, users), foreign_keys=(fk,))
>>> found = compare(s, parse_manifest("root: tenants"))
>>> [(f.code, f.data.get("counterpart")) for f in found if f.code == "missing-table"]
[('missing-table', 'public.orgs')]
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from schemalens import rls
from schemalens.checks import (
    rls_disabled,
    tables_without_policy,
    unindexed_foreign_keys,
    unreachable_from_root,
)
from schemalens.documents import Document, missing_references, read_document
from schemalens.findings import (
    CODES,
    PROJECT_HEADERS,
    SEVERITIES,
    Context,
    Evidence,
    Finding,
    Findings,
    Sources,
    _fk_dict,
    _manifest_evidence,
    group_name,
    short,
)
from schemalens.graph import build_graph, paths_to_root, reaches
from schemalens.graph import roots as hierarchy_roots
from schemalens.manifest import Manifest, load_manifest
from schemalens.model import ForeignKey, Schema, Source
from schemalens.plan_checks import (
    belongs_to,
    composite_containing,
    composite_foreign_keys,
    global_scope,
    owner_path,
    owning_paths,
    related_groups,
    required_path,
)
from schemalens.platform import Detected, detect_platform
from schemalens.runners import detect
from schemalens.replay import EXTERNAL_PRIMARY_KEYS
from schemalens.resolve import resolve_names


def _path_fks(schema: Schema, path: Sequence[str]) -> list[ForeignKey]:
    out = []
    for child, parent in zip(path, path[1:]):
        fk = next((f for f in schema.foreign_keys_from(child) if f.ref_table == parent), None)
        if fk is not None:
            out.append(fk)
    return out


def arrow_path(schema: Schema, path: Sequence[str]) -> str:
    """A path with its FK columns: ``users.client_id → clients.agency_id → agencies``."""
    parts = []
    for fk in _path_fks(schema, path):
        parts.append(f"{short(fk.table)}.{','.join(fk.columns)}")
    return " → ".join(parts + [short(path[-1])]) if path else ""


def counterpart(ctx: Context, missing: str) -> tuple[str | None, list[str]]:
    """The actual table most likely meant by a missing assumed table, and why (None when unclear)."""
    m = ctx.manifest
    all_roots = hierarchy_roots(ctx.graph)
    used = {
        r.column for r in missing_references(ctx.schema, ctx.documents) if r.table == missing and r.column
    }
    scores: dict[str, tuple[int, list[str]]] = {}
    for t in ctx.schema.tables:
        score, why = 0, []
        if m.root is not None and m.root.table == missing and t.name in all_roots:
            below = len([n for n in ctx.graph if t.name in reaches(ctx.graph, n)])
            if len(all_roots) == 1:
                score += 3
                why.append(f"the only root of the foreign-key hierarchy ({below} tables reach it)")
            else:
                score += 1
                why.append(f"a root of the foreign-key hierarchy ({below} tables reach it)")
        for e in m.hierarchy:
            if e.parent == missing and ctx.exists(e.child) and t.name in reaches(ctx.graph, e.child):
                path = rls.fk_path(ctx.schema, e.child, t.name)
                top = not [
                    p for p in paths_to_root(ctx.graph, e.child, include_external=False) if t.name not in p
                ]
                score += 2 if top else 1
                why.append(
                    f"`{short(e.child)}` (assumed under `{short(missing)}`) reaches it: "
                    f"{' → '.join(short(p) for p in path)}"
                )
            if (
                e.child == missing
                and ctx.exists(e.parent)
                and any(fk.ref_table == e.parent for fk in ctx.schema.foreign_keys_from(t.name))
            ):
                score += 2
                why.append(f"it references `{short(e.parent)}`, as `{short(missing)}` is assumed to")
        alike = sorted(used & set(t.column_names) - {"id"})
        if alike:
            score += len(alike)
            why.append(f"columns alike: it has {', '.join(alike)}, which the plans use on `{short(missing)}`")
        ratio = difflib.SequenceMatcher(None, short(missing), short(t.name)).ratio()
        if ratio >= 0.75:
            score += 2
            why.append(f"a similar name ({ratio:.0%})")
        if score:
            scores[t.name] = (score, why)
    if not scores:
        return None, []
    ranked = sorted(scores.items(), key=lambda kv: -kv[1][0])
    if len(ranked) > 1 and ranked[0][1][0] == ranked[1][1][0]:
        return None, [f"no clear counterpart: {', '.join(short(n) for n, _ in ranked[:3])} fit equally"]
    return ranked[0][0], ranked[0][1][1]


def _actual_root(ctx: Context) -> str | None:
    all_roots = hierarchy_roots(ctx.graph)
    assumed = ctx.manifest.root.table if ctx.manifest.root else None
    if assumed in all_roots:
        return assumed
    if len(all_roots) == 1:
        return all_roots[0]
    if assumed and ctx.actual(assumed) in all_roots:
        return ctx.actual(assumed)
    return None


def _is_external(table: str) -> bool:
    return table in EXTERNAL_PRIMARY_KEYS


def _lines_of(uses: list[tuple[str, int]]) -> dict[int, str]:
    out: dict[int, str] = {}
    for role, line in uses:
        out.setdefault(line, role)
    return out


def _docs_using(ctx: Context, table: str) -> list[str]:
    """Planned documents that use a missing table or a ``<table>_id`` column that does not exist."""
    stem = short(table).rstrip("s")
    return sorted(
        {
            r.document
            for r in missing_references(ctx.schema, ctx.documents)
            if r.table == table or (r.column or "").startswith(f"{stem}_")
        }
    )


# Manifest rules --------------------------------------------------------------------------------------------


def missing_tables(ctx: Context) -> list[Finding]:
    out = []
    for table, uses in ctx.manifest.tables_mentioned().items():
        if ctx.exists(table):
            continue
        match, why = counterpart(ctx, table)
        if match:
            ctx.mapping[table] = match
        is_root = ctx.manifest.root is not None and ctx.manifest.root.table == table
        lines = _lines_of(uses)
        evidence = ctx.table_evidence(match, f"the actual counterpart of `{short(table)}`") if match else []
        evidence += [_manifest_evidence(ctx.manifest, ln, role) for ln, role in lines.items()]
        docs = _docs_using(ctx, table)
        roles = sorted({role.split(" ")[0] for role, _ in uses})
        name, other = short(table), short(match)
        if match:
            title = (
                f"Root entity mismatch: `{name}` does not exist, the root is `{other}`"
                if is_root
                else f"Table `{name}` does not exist; its counterpart is `{other}`"
            )
            actual = f"`{other}` table: " + "; ".join(why)
            options = (
                f"Option A: Rename `{other}` → `{name}` (breaking change)",
                f"Option B: Update the manifest and all planned documents to use `{other}` (safer)",
            )
        else:
            title = f"Table `{name}` does not exist"
            actual = f"No table `{name}`" + (f" ({why[0]})" if why else "; no actual table plays its part")
            options = (
                f"Option A: Create `{name}` before the plan runs",
                f"Option B: Drop `{name}` from the plan",
            )
        impact = (
            f"{len(docs)} planned document{'s' if len(docs) != 1 else ''} "
            f"({', '.join(Path(d).name for d in docs)}) reference `{name}`. "
            if docs
            else ""
        )
        impact += f"The manifest relies on it as {', '.join(roles)}" + (
            f". Must change to `{other}` OR create a migration to rename." if match else "."
        )
        kinds = [role.split(" ")[0] for role in lines.values()]
        where = ", ".join(
            f"{k}{' ×' + str(kinds.count(k)) if kinds.count(k) > 1 else ''}" for k in dict.fromkeys(kinds)
        )
        out.append(
            Finding(
                "missing-table",
                "critical",
                title,
                f"`{name}` table ({where}; manifest lines {', '.join(map(str, sorted(lines)))})",
                actual,
                tuple(evidence),
                impact,
                "root-entity" if is_root else f"mapping-of-{name.replace('.', '-')}",
                options,
                table,
                {
                    "assumed": table,
                    "counterpart": match,
                    "reasons": why,
                    "roles": roles,
                    "documents": docs,
                    "manifest_lines": sorted(lines),
                },
            )
        )
    return out


def root_mismatch(ctx: Context) -> list[Finding]:
    r = ctx.manifest.root
    if r is None or not ctx.exists(r.table) or r.table in hierarchy_roots(ctx.graph):
        return []
    if not owning_paths(ctx, r.table, include_external=False, owned_only=True):
        return []  # it points only at rows it does not belong to (a picture, its settings): it is a top
    paths = owning_paths(ctx, r.table, include_external=False)
    top = paths[0][-1] if paths else ctx.root
    path = paths[0] if paths else []
    evidence = [ctx.fk_evidence(fk) for fk in _path_fks(ctx.schema, path)]
    evidence += ctx.table_evidence(top, "the actual root") if top else []
    evidence.append(_manifest_evidence(ctx.manifest, r.line, f"root: {r.written}"))
    actual = (
        f"`{short(r.table)}` sits under `{short(top)}`: {arrow_path(ctx.schema, path)}"
        if path
        else f"nothing references `{short(r.table)}`" + (f"; the root is `{short(top)}`" if top else "")
    )
    return [
        Finding(
            "root-mismatch",
            "critical",
            f"`{short(r.table)}` is not the root of the hierarchy" + (f"; `{short(top)}` is" if top else ""),
            f"`{short(r.table)}` is the tenant root (root: {r.written})",
            actual,
            tuple(evidence),
            f"Rows the plan hangs off `{short(r.table)}` are one level below the real tenant boundary"
            + (f" `{short(top)}`" if top else "")
            + "; tenant-wide queries and RLS must go up to it.",
            "root-entity",
            (
                f"Option A: Use `{short(top)}` as the root in the manifest and documents"
                if top
                else "Option A: Name the actual root in the manifest",
                f"Option B: Keep `{short(r.table)}` as the tenant boundary "
                f"(document that `{short(top)}` is shared above it)",
            ),
            r.table,
            {"assumed": r.table, "actual_root": top, "path": path},
        )
    ]


def missing_foreign_keys(ctx: Context) -> list[Finding]:
    out = []
    for a in ctx.manifest.foreign_keys:
        table, ref = ctx.actual(a.table), ctx.actual(a.ref_table)
        if not ctx.exists(table) or not (ctx.exists(ref) or _is_external(ref)):
            continue  # reported as missing-table
        fks = [fk for fk in ctx.schema.foreign_keys_from(table) if fk.columns == a.columns]
        if any(fk.ref_table == ref and fk.ref_columns == a.ref_columns for fk in fks):
            continue
        if not fks and composite_containing(ctx, a):
            continue  # plan_checks.composite_foreign_keys says it exists as part of a composite key
        t = ctx.schema.table(table)
        col = t.column(a.columns[0]) if t else None
        left, right = f"{short(table)}.{a.columns[0]}", f"{short(ref)}.{a.ref_columns[0]}"
        if col is None:
            actual = f"`{short(table)}` has no column `{a.columns[0]}`"
            evidence = ctx.table_evidence(table)
        elif fks:
            actual = f"`{left}` references `{short(fks[0].ref_table)}.{fks[0].ref_columns[0]}` instead"
            evidence = [ctx.fk_evidence(fks[0])]
        else:
            own = " with its own default" if col.default else ""
            actual = f"`{left}` is a standalone {col.type or 'column'}{own} (no FK)"
            evidence = (
                [ctx.sources.evidence(col.source, f"`{left}`: no REFERENCES")] if col.source.file else []
            )
        evidence.append(_manifest_evidence(ctx.manifest, a.line, a.text))
        to_auth = ref.startswith("auth.")
        mapped = f" (`{short(a.ref_table)}` read as `{short(ref)}`)" if ref != a.ref_table else ""
        if to_auth:
            impact = (
                f"Nothing guarantees that a `{short(table)}` row belongs to an auth user: "
                "the database neither "
                f"checks `{left}` nor removes the row when its auth user is deleted."
            )
            options = (
                f"Option A: Add FK constraint `{left}` → `{right}` + migration (data risk: rows without an "
                f"auth user block it)",
                "Option B: Keep current pattern + document requirement",
                f"Option C: Add trigger on `{short(ref)}` for new users only (hybrid)",
            )
        else:
            impact = (
                f"Nothing enforces that every `{left}` is a `{right}`: joins the plan relies on can find no "
                f"row, and deleting a `{short(ref)}` row leaves dangling values."
            )
            options = (
                "Option A: Add the foreign key (`NOT VALID`, clean orphans, then `VALIDATE`)",
                "Option B: Keep the soft reference and update the plan (joins must allow no match)",
            )
        decision = (
            "user-mapping" if to_auth else f"foreign-key-{short(table)}-{a.columns[0]}".replace(".", "-")
        )
        out.append(
            Finding(
                "missing-foreign-key",
                "critical",
                f"No foreign key `{left}` → `{right}`",
                f"`{left}` is a foreign key to `{right}`{mapped}",
                actual,
                tuple(evidence),
                impact,
                decision,
                options,
                f"{table}.{a.columns[0]}",
                {
                    "table": table,
                    "columns": list(a.columns),
                    "ref_table": ref,
                    "ref_columns": list(a.ref_columns),
                    "column_exists": col is not None,
                    "column_type": col.type if col else None,
                    "column_default": col.default if col else None,
                    "actual_foreign_keys": [_fk_dict(f) for f in fks],
                },
            )
        )
    return out


def manual_sync(ctx: Context) -> list[Finding]:
    groups: dict[tuple[str, str], list[tuple[Any, rls.AuthComparison]]] = {}
    for key, uses in rls.identity_keys(ctx.schema).items():
        if not key[0] or not ctx.exists(key[0]):
            continue
        link = rls.auth_link(ctx.schema, *key)
        if link.kind == "none" and link.terminal[0] != rls.AUTH_USERS and ctx.schema.table(link.terminal[0]):
            groups.setdefault(link.terminal, []).extend(uses)
    out = []
    for (table, column), uses in sorted(groups.items()):
        policies = list(
            dict.fromkeys(
                p
                for p, _ in sorted(
                    uses,
                    key=lambda u: (
                        not (u[0].table == table and u[1].table == table and not u[1].via),
                        u[0].source,
                    ),
                )
            )
        )
        helpers = list(dict.fromkeys(c.via for _, c in uses if c.via))
        col = ctx.schema.table(table).column(column)
        key = f"{short(table)}.{column}"
        evidence = [
            ctx.sources.evidence(p.source, f'policy "{p.name}" on {short(p.table)}') for p in policies
        ]
        fns = [f for f in ctx.schema.functions if f.name in helpers]
        evidence[1:1] = [
            ctx.sources.evidence(f.source, f"helper {short(f.name)}() compares auth.uid() with {key}")
            for f in fns
            if f.source.file
        ]
        if col is not None and col.source.file:
            evidence.insert(1, ctx.sources.evidence(col.source, f"`{key}`: no REFERENCES {rls.AUTH_USERS}"))
        assumed_fk = next(
            (
                a
                for a in ctx.manifest.foreign_keys
                if ctx.actual(a.table) == table
                and a.columns == (column,)
                and ctx.actual(a.ref_table) == rls.AUTH_USERS
            ),
            None,
        )
        assumed = (
            f"`{key}` is a foreign key to `auth.users.{assumed_fk.ref_columns[0]}`"
            if assumed_fk
            else f"`{key}` identifies the signed-in user"
        )
        tables = sorted({p.table for p in policies})
        via = f" (directly or through {', '.join(short(h) + '()' for h in helpers)})" if helpers else ""
        out.append(
            Finding(
                "manual-sync-required",
                "warning",
                f"RLS expects `{key}` = `auth.uid()`, but nothing keeps them in step",
                assumed,
                f"{len(policies)} polic{'ies' if len(policies) != 1 else 'y'} on {len(tables)} "
                f"table{'s' if len(tables) != 1 else ''} compare `auth.uid()` with `{key}`{via}; "
                "no foreign key ties "
                f"`{key}` to `{rls.AUTH_USERS}` and no trigger on `{rls.AUTH_USERS}` writes `{short(table)}`",
                tuple(evidence),
                "- No auto-sync trigger exists\n"
                f"- Manual coordination required between `{rls.AUTH_USERS}` and `{short(table)}`\n"
                f"- Application code must ensure IDs match: a `{short(table)}` row whose `{column}` "
                f"differs from its auth user's id sees none of the rows of {len(tables)} tables",
                "user-mapping",
                (
                    f"Option A: Add FK constraint `{key}` → `auth.users.id` + migration (data risk)",
                    "Option B: Keep current pattern + document requirement",
                    f"Option C: Add trigger on `{rls.AUTH_USERS}` for new users only (hybrid)",
                ),
                f"{table}.{column}",
                {
                    "table": table,
                    "column": column,
                    "auth_table": rls.AUTH_USERS,
                    "helpers": helpers,
                    "tables": tables,
                    "policies": [
                        {"table": p.table, "name": p.name, "source": str(p.source)} for p in policies
                    ],
                },
            )
        )
    return out


def hierarchy(ctx: Context) -> list[Finding]:
    out = []
    for e in ctx.manifest.hierarchy:
        child, parent = ctx.actual(e.child), ctx.actual(e.parent)
        if not ctx.exists(child) or not ctx.exists(parent):
            continue
        if any(fk.ref_table == parent for fk in ctx.schema.foreign_keys_from(child)):
            continue
        path = list(required_path(ctx, child, parent))
        evidence = [ctx.fk_evidence(fk) for fk in _path_fks(ctx.schema, path)]
        evidence.append(_manifest_evidence(ctx.manifest, e.line, e.text))
        assumed = (
            f"`{short(e.child)}` → `{short(e.parent)}`: a foreign key from `{short(e.child)}` to "
            f"{ctx.as_mapped(e.parent)}"
        )
        proposed = [p.table for p in ctx.manifest.proposed if ctx.actual(p.parent) == parent]
        if path:
            via = path[1]
            siblings = sorted(fk.table for fk in ctx.schema.foreign_keys_to(via) if fk.table != child)
            actual = f"{' → '.join(f'`{short(t)}`' for t in path)} ({arrow_path(ctx.schema, path)})"
            impact = (
                f"- `{short(child)}` belong to `{short(via)}`, not directly to `{short(parent)}`\n"
                + (
                    f"- Tables the plan adds under `{short(e.parent)}` "
                    f"({', '.join(short(p) for p in proposed)}) "
                    + (
                        f"should FK to `{short(via)}`, as {len(siblings)} existing tables do\n"
                        if e.parent != parent
                        else f"sit above the level `{short(child)}` belong to; "
                        f"per-`{short(via)}` rows would FK to "
                        f"`{short(via)}`, as {len(siblings)} existing tables do\n"
                    )
                    if proposed
                    else ""
                )
                + f"- RLS needs to follow the hierarchy chain {arrow_path(ctx.schema, path)}"
            )
            title = (
                f"Hierarchy is different: {' → '.join(f'`{short(t)}`' for t in path)}, "
                f"not `{short(e.child)}` → `{short(e.parent)}`"
            )
        else:
            via, siblings = None, []
            tops = [p[-1] for p in paths_to_root(ctx.graph, child)]
            actual = f"`{short(child)}` has no foreign-key path to `{short(parent)}`" + (
                f"; it reaches {', '.join(f'`{short(t)}`' for t in dict.fromkeys(tops))}" if tops else ""
            )
            impact = (
                f"- Nothing links a `{short(child)}` row to a `{short(parent)}` row: "
                "the plan's joins find nothing"
            )
            title = f"Hierarchy is different: `{short(child)}` does not reach `{short(parent)}`"
        options = (
            (
                f"Option A: New tables FK to `{short(via)}`, following the existing hierarchy",
                f"Option B: New tables FK to `{short(parent)}` directly (RLS joins through `{short(via)}`)",
            )
            if via
            else (
                f"Option A: Add `{short(child)}.{short(parent).rstrip('s')}_id` → `{short(parent)}`",
                "Option B: Drop the assumption from the plan",
            )
        )
        out.append(
            Finding(
                "hierarchy-mismatch",
                "warning" if path else "critical",
                title,
                assumed,
                actual,
                tuple(evidence),
                impact,
                "proposed-hierarchy",
                options,
                child,
                {
                    "child": child,
                    "parent": e.parent,
                    "parent_actual": parent,
                    "path": path,
                    "foreign_keys": [_fk_dict(f) for f in _path_fks(ctx.schema, path)],
                    "recommended_parent": via,
                    "proposed": proposed,
                    "siblings": siblings,
                },
            )
        )
    return out


def _fk_scope(ctx: Context, table: str, towards: str | None = None) -> str | None:
    path = rls.fk_path(ctx.schema, table, ctx.root) if ctx.root else ()
    if not path:
        path = owner_path(ctx, table, towards)
    return path[1] if len(path) > 1 else (table if path else None)


def _bridge(ctx: Context, entity: str) -> list[str]:
    """The public table keyed by the auth user, and its FK path to ``entity`` (how auth users map to it)."""
    for table, column in rls.identity_keys(ctx.schema):
        t = ctx.schema.table(table)
        if t is not None and t.primary_key == (column,):
            path = list(rls.fk_path(ctx.schema, table, entity))
            if path:
                return path
    return []


def scoping(ctx: Context) -> list[Finding]:
    groups: dict[tuple, list] = {}
    out = []
    for s in ctx.manifest.scoping:
        table, entity = ctx.actual(s.table), ctx.actual(s.entity)
        if not ctx.exists(table) or not (ctx.exists(entity) or _is_external(entity)):
            continue
        by_policy = rls.table_scopes(ctx.schema, table)
        fk = _fk_scope(ctx, table, entity)
        if entity in (list(by_policy) or [fk]) or belongs_to(ctx, table, entity):
            continue
        if not by_policy and fk is None:
            out.append(global_scope(ctx, s, table, entity))
            continue
        primary = (
            max(by_policy, key=lambda sc: (len(rls.fk_path(ctx.schema, table, sc)), sc)) if by_policy else fk
        )
        groups.setdefault((s.entity, entity, primary), []).append((s, table, by_policy, fk))
    for (assumed, entity, primary), items in related_groups(groups):
        tables = [t for _, t, _, _ in items]
        name = group_name(tables)
        evidence, detail, agree = [], [], True
        for _, table, by_policy, fk in items:
            fk_obj = next(
                (f for f in ctx.schema.foreign_keys_from(table) if f.ref_table == (fk or primary)), None
            )
            if fk_obj is not None:
                evidence.append(ctx.fk_evidence(fk_obj))
            meanings = by_policy.get(primary, [])
            if meanings:
                evidence.append(
                    ctx.sources.evidence(meanings[0].policy.source, f'policy "{meanings[0].policy.name}"')
                )
            fk_columns = fk_obj.columns if fk_obj is not None and fk_obj.ref_table == fk else ()
            policy_columns = {t.column for m in meanings for t in m.terms if t.scope == primary}
            agree &= (  # the policies bind the same column the FK path leaves by (or the same table)
                not by_policy or not fk or primary in (fk, table) or bool(policy_columns & set(fk_columns))
            )
        evidence += [
            _manifest_evidence(ctx.manifest, s.line, f"scoping {short(s.table)}: {s.entity_written}")
            for s, *_ in items
        ]
        s0, t0, pol0, fk0 = items[0]
        fk_text = next(
            (
                f"{','.join(f.columns)} → {short(f.ref_table)}"
                for f in ctx.schema.foreign_keys_from(t0)
                if f.ref_table == (fk0 or primary)
            ),
            None,
        )
        term = next(
            (
                t
                for m in pol0.get(primary, [])
                for t in rls.explain(ctx.schema, m.policy).terms
                if t.scope == primary
            ),
            None,
        )
        if fk_text:
            detail.append(f"FK `{fk_text}`")
        if term:
            detail.append(f"RLS `{term.text}`")
        agreement = (
            "no policy binds its rows, the FK path decides"
            if not any(pol for _, _, pol, _ in items)
            else "the FK path and the policies agree"
            if agree
            else f"the FK path says `{short(fk0)}`, the policies say `{short(primary)}`"
        )
        through = required_path(ctx, t0, entity)
        reach = (
            f"; rows reach `{short(entity)}` only through `{short(through[1])}` "
            f"({' → '.join(short(x) for x in through)})"
            if len(through) > 2
            else ""
        )
        label = f"{len(tables)} `{name}` tables" if len(tables) > 1 else f"`{short(t0)}`"
        bridge = _bridge(ctx, entity) if primary == rls.AUTH_USERS else []
        owner = fk0 if not agree and fk0 and fk0 != primary else None  # the FK owner, when RLS says other
        impact = (
            f"- Rows are per-`{short(primary)}`, NOT per-`{short(entity)}`\n"
            + (f"- Each row belongs to one `{short(owner)}` row by its foreign key; RLS narrows per "
               f"`{short(primary)}`\n" if owner else "")
            + (f"- RLS uses `{term.text}`\n" if term else "")
            + "- This is a DIFFERENT multi-tenancy model than assumed"
            + (
                f"\n- Re-scoping to `{short(entity)}` maps each row's user through `{short(bridge[0])}` "
                f"(its key must equal the auth user's id) → {arrow_path(ctx.schema, bridge)}"
                if bridge
                else ""
            )
        )
        options = [
            f"Option A: Keep {label} scoped by `{short(primary)}` (update the manifest)",
            f"Option B: Re-scope to `{short(entity)}` (new FK column, backfill, new policies)",
        ]
        if len(tables) > 1:
            options.append(
                f"Option C: Unify the {len(tables)} tables into one `{short(entity)}`-scoped table "
                "with a type discriminator"
            )
        out.append(
            Finding(
                "scope-mismatch",
                "warning",
                f"{label} {'are' if len(tables) > 1 else 'is'} scoped by "
                + (f"`{short(owner)}` (FK) and `{short(primary)}` (RLS)" if owner else f"`{short(primary)}`")
                + f", not `{short(assumed)}`",
                f"{', '.join(f'`{short(t)}`' for t in tables)} scoped by {ctx.as_mapped(assumed)}",
                f"Scoped by `{short(primary)}` ({'; '.join(detail)}): {agreement}{reach}",
                tuple(evidence),
                impact,
                f"scope-of-{name}",
                tuple(options),
                ", ".join(tables),
                {
                    "group": name,
                    "tables": tables,
                    "assumed": assumed,
                    "assumed_actual": entity,
                    "actual": primary,
                    "fk_scope": {t: fk for _, t, _, fk in items},
                    "agree": agree,
                    "bridge": bridge,
                    "policy_scopes": {t: sorted(p) for _, t, p, _ in items},
                },
            )
        )
    return out


def project_ref(ctx: Context) -> list[Finding]:
    expected = ctx.manifest.project_ref
    if not expected:
        return []
    found: dict[str, str] = {}
    for key in PROJECT_HEADERS:
        for file, ref in ctx.schema.header(key).items():
            found.setdefault(file, ref)
    out = []
    for file, ref in sorted(found.items()):
        if ref == expected:
            continue
        text = ctx.sources.files[file].text if file in ctx.sources.files else ""
        line = next((n for n, t in enumerate(text.splitlines(), 1) if ref in t), 1)
        tables = [short(t.name) for t in ctx.schema.tables if t.source.file == file]
        sql = (
            (
                "SELECT table_name FROM information_schema.tables\nWHERE table_schema = 'public'\n"
                f"AND table_name IN ({', '.join(repr(t) for t in tables)});"
            )
            if tables
            else ""
        )
        out.append(
            Finding(
                "project-ref-mismatch",
                "warning",
                f"`{file}` names project `{ref}`, not `{expected}`",
                f"every migration belongs to project `{expected}`",
                f"`{file}` header: project `{ref}`",
                (
                    ctx.sources.evidence(Source(file, line), "migration header", whole=False),
                    _manifest_evidence(
                        ctx.manifest, ctx.manifest.project_ref_line, f"project_ref: {expected}"
                    ),
                ),
                f"Unclear if `{file}` was applied to the correct database"
                + (f"; its tables ({', '.join(tables)}) may exist only in `{ref}`." if tables else "."),
                "project-ref",
                (
                    f"Option A: Verify the tables exist in `{expected}` (query below), "
                    "then correct the header",
                    f"Option B: Treat `{file}` as applied to `{ref}` only: apply it to `{expected}`",
                ),
                file,
                {"file": file, "found": ref, "expected": expected, "tables": tables, "verification_sql": sql},
            )
        )
    return out


def document_references(ctx: Context) -> list[Finding]:
    from schemalens.documents import reference_findings

    return reference_findings(ctx.schema, ctx.documents, ctx.mapping)


RULES = (
    missing_tables,
    root_mismatch,
    missing_foreign_keys,
    composite_foreign_keys,
    manual_sync,
    hierarchy,
    scoping,
    project_ref,
    document_references,
    rls_disabled,
    tables_without_policy,
    unindexed_foreign_keys,
    unreachable_from_root,
)


def compare(
    schema: Schema,
    manifest: Manifest | None = None,
    *,
    sources: Sources | None = None,
    documents: Sequence[Document] | None = None,
) -> Findings:
    """Every finding for a schema against a manifest (``None``: the general checks only)."""
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
    found: list[Finding] = []
    for rule in RULES:
        found += rule(ctx)
        if rule is missing_tables:
            ctx.root = _actual_root(ctx)
    found.sort(key=lambda f: (CODES.index(f.code), SEVERITIES.index(f.severity), f.subject))
    return Findings(
        tuple(found),
        schema,
        manifest,
        ctx.sources.folder,
        tuple(documents),
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
    migration files as the build detects it (:func:`schemalens.runners.detect`: templates rendered by
    their runner), else Supabase (no files to tell)."""
    given = manifest.platform if manifest else None
    if sources.files:
        return detect(sources.folder, tuple(sources.files.values()), given)[0]
    return detect_platform([], [], given) if given else Detected("supabase", ("no migration files to tell",))


def analyse(migrations: str | Path, manifest: str | Path | Manifest | None = None, *,
            allow_outside_documents: bool = False, schema: Schema | None = None) -> Findings:
    """Load a migration folder and a manifest (path or :class:`Manifest`) and compare them;
    ``allow_outside_documents`` reads planned documents outside the manifest's folder too; ``schema`` is
    the folder's model when the caller has it already (exact mode's, :mod:`schemalens.exact`)."""
    from schemalens import load_schema

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
    "compare",
    "counterpart",
    "group_name",
    "hierarchy_roots",
    "short",
]
