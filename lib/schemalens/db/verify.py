"""Runtime verification: a live PostgreSQL database against the migration folder, read-only.

:func:`verify` introspects a database through a read-only session and reports, as
:class:`~schemalens.assess.findings.Findings` that the report writers already know:

* **drift**: tables, columns, keys, indexes, foreign keys, policies, RLS flags, enums, views,
  functions and triggers the files build but the database lacks, has extra, or has differently
  (:func:`schemalens.read.diff.diff_schemas`), each with the migration file:line that defines it. The
  parts of a missing or extra table (its columns, policies, triggers …) are folded into that
  table's finding. Only the schemas the migrations create objects in are compared; in Supabase's
  own schemas (``auth``, ``storage`` …) only what the files define counts, never Supabase's objects.
  The history table itself is left out. A difference that a statement the static analysis did not
  analyse (DDL in a ``DO`` block) or could not parse names is listed as explained, not reported.
  What :mod:`schemalens.read.diff` refuses to compare (column defaults, CHECK constraints, grants,
  function bodies) is not verified;
* **applied migrations**: the rows of a history table (``supabase_migrations.schema_migrations``,
  ``schema_migrations``, ``flyway_schema_history``, ``__diesel_schema_migrations`` or the one named)
  against the files, versions compared numerically as tuples (``'001'`` = ``001_x.sql``, ``'3.1'``
  = ``V3_1__x.sql``, ``'20200101000000'`` = ``2020-01-01-000000_x/up.sql``);
* **project**: the Supabase project a DSN points at (``db.<ref>.supabase.co``, or the pooler user
  ``postgres.<ref>`` at ``*.pooler.supabase.com``) against the manifest's ``project_ref`` and the
  migration headers (``-- Supabase Project: <ref>``);
* **groups**: which tables of a group of alike tables (``%cartridges%``, or ``--group PATTERN``)
  exist in the database: present, missing, and database-only (not findings: drift reports them).

========================== ======== ===========================================================
code                       severity when
========================== ======== ===========================================================
``drift-missing``          critical the files build an object the database lacks (an index: warning)
``drift-extra``            warning  the database has an object no file builds (a policy: critical)
``drift-changed``          critical an object differs (a column's nullability, an index: warning)
``migration-not-applied``  warning  a file's version is not in the history table (or failed there)
``migration-unknown``      warning  the history table holds a version no file has
``project-ref-mismatch``   critical the DSN's project is not the manifest's ``project_ref``
                           warning  a migration header names another project than the DSN's
========================== ======== ===========================================================

It refuses to write: a session must default to read-only (:func:`open_session` opens one with
``default_transaction_read_only``, ``statement_timeout`` and ``lock_timeout``; :func:`verify`
refuses any other) and every query runs in a ``READ ONLY`` transaction. A password is never shown:
DSNs appear only masked (:func:`parse_target`), a malformed DSN is not quoted, and connection
errors are one line through :func:`schemalens.db.live.connect_readonly`. Without a DSN,
:func:`verify_built` builds a throwaway database from the files and verifies that (its own,
so it records the files in a history table as ``supabase db push`` would), proving the command
end to end. It never decides which side is right: each finding offers both ways out.

>>> parse_target("postgresql://postgres:s3cret@db.trdoainmejxanrownbuz.supabase.co:5432/postgres").project_ref
'trdoainmejxanrownbuz'
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemalens.assess.findings import PROJECT_HEADERS, Evidence, Finding, Findings, Sources, group_name
from schemalens.core.errors import DatabaseError, InputError
from schemalens.core.model import Schema, Source
from schemalens.core.names import md_code, quote_literal
from schemalens.db import live, postgres
from schemalens.db.drift import MANAGED_SCHEMAS, _count, drift_findings  # noqa: F401 (re-exported)
from schemalens.db.history import (
    History,
    HistoryRow,
    find_history_table,
    migration_findings,
    read_history,
    record_history,
    version_key,
)
from schemalens.read.diff import diff_schemas
from schemalens.read.manifest import Manifest, load_manifest
from schemalens.read.project import load_project, load_schema

CODES = (
    "project-ref-mismatch",
    "migration-unknown",
    "migration-not-applied",
    "drift-missing",
    "drift-changed",
    "drift-extra",
)
SEVERITY_ORDER = ("critical", "warning", "info")
CONNECT_TIMEOUT = 10.0


# The database a DSN names ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a DSN points at, without its password: ``masked`` is the DSN with ``***`` for it."""

    masked: str
    host: str = ""
    port: str = ""
    dbname: str = ""
    user: str = ""
    project_ref: str | None = None
    via: str = ""  # "direct" (db.<ref>.supabase.co) | "pooler" (postgres.<ref>@*.pooler.supabase.com) | ""

    def __str__(self) -> str:
        return self.masked


_DIRECT = re.compile(r"db\.([a-z0-9]+)\.supabase\.co\.?")
_POOLER = re.compile(r"[a-z0-9.-]+\.pooler\.supabase\.com\.?")


def parse_target(dsn: str) -> Target:
    """The host, database, user and Supabase project of a DSN (URI or ``key=value``); never its password.

    >>> t = parse_target("postgresql://postgres.kvjcidxbyimoswntpjcp:pw@aws-0.pooler.supabase.com/postgres")
    >>> t.project_ref, t.via
    ('kvjcidxbyimoswntpjcp', 'pooler')
    >>> t.masked
    'postgresql://postgres.kvjcidxbyimoswntpjcp:***@aws-0.pooler.supabase.com/postgres'
    >>> parse_target("host=localhost dbname=app password=x").project_ref is None
    True
    """
    postgres.check_uri(dsn)
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.Error:
        raise InputError(
            "the connection string cannot be read (it is not shown: it may hold a password)"
        ) from None
    masked = postgres.mask_dsn(dsn)
    password = params.get("password")
    if password and str(password) in masked:  # a form the masking does not know: rebuild without it
        masked = make_conninfo(**{k: v for k, v in params.items() if k != "password"}) + " password=***"
    host, user = str(params.get("host") or ""), str(params.get("user") or "")
    ref, via = None, ""
    for h in host.lower().split(","):
        m = _DIRECT.fullmatch(h.strip())
        if m:
            ref, via = m.group(1), "direct"
            break
        if _POOLER.fullmatch(h.strip()) and "." in user:
            ref, via = user.rsplit(".", 1)[1].lower(), "pooler"
            break
    return Target(
        masked, host, str(params.get("port") or ""), str(params.get("dbname") or ""), user, ref, via
    )


def open_session(
    dsn: str,
    connect_timeout: float = CONNECT_TIMEOUT,
    statement_timeout_ms: int = 30_000,
    lock_timeout_ms: int = 5_000,
) -> psycopg.Connection:
    """A read-only session (``default_transaction_read_only``, statement and lock timeouts) on ``dsn``;
    an unreachable host or a refused login is one :class:`DatabaseError` line within ``connect_timeout``."""
    parse_target(dsn)  # a malformed DSN ends here, unquoted
    return live.connect_readonly(
        dsn, statement_timeout_ms, lock_timeout_ms, connect_timeout=max(1, round(connect_timeout))
    )


# Project ---------------------------------------------------------------------------------------------------



def project_findings(
    target: Target,
    schema: Schema,
    manifest: Manifest | None,
    sources: Sources,
    live_schema: Schema | None = None,
) -> list[Finding]:
    """The DSN's Supabase project against the manifest's ``project_ref`` and each migration header."""
    ref = target.project_ref
    if not ref:
        return []
    db = Evidence(
        target.host or "database", 0, target.masked, f"the database verified: project {md_code(ref)}", "database"
    )
    out = []
    expected = manifest.project_ref if manifest else None
    if expected and expected != ref:
        m_line = manifest.project_ref_line or 1
        out.append(
            Finding(
                code="project-ref-mismatch",
                severity="critical",
                title=f"The database is project {md_code(ref)}, not {md_code(expected)}",
                assumed=f"the database belongs to project {md_code(expected)} (manifest)",
                actual=f"the DSN points at project {md_code(ref)}",
                evidence=(
                    db,
                    Evidence(
                        Path(manifest.file).name,
                        m_line,
                        f"project_ref: {expected}",
                        "manifest",
                        "manifest",
                        manifest.file,
                    ),
                ),
                impact=f"Every other result describes {md_code(ref)}, not the project the plan is for.",
                decision="project-ref",
                options=(
                    f"Option A: Verify {md_code(expected)} instead (its DSN)",
                    f"Option B: Correct the manifest if {md_code(ref)} is the right project",
                ),
                subject="database",
                data={"found": ref, "expected": expected, "target": target.masked},
            )
        )
    headers: dict[str, str] = {}
    for key in PROJECT_HEADERS:
        for file, value in schema.header(key).items():
            headers.setdefault(file, value)
    for file, value in sorted(headers.items()):
        if value == ref:
            continue
        text = sources.files[file].text if file in sources.files else ""
        line = next((n for n, t in enumerate(text.splitlines(), 1) if value in t), 1)
        tables = [t.name for t in schema.tables if t.source.file == file]
        present = [t for t in tables if live_schema is not None and live_schema.table(t) is not None]
        state = (
            f"; {len(present)} of its {len(tables)} tables exist in {md_code(ref)}"
            if live_schema is not None and tables
            else ""
        )
        out.append(
            Finding(
                code="project-ref-mismatch",
                severity="warning",
                title=f"{md_code(file)} names project {md_code(value)}, the database is {md_code(ref)}",
                assumed=f"{md_code(file)} belongs to the database's project {md_code(ref)}",
                actual=f"its header names {md_code(value)}{state}",
                evidence=(sources.evidence(Source(file, line), "migration header", whole=False), db),
                impact=f"Unclear if {md_code(file)} was applied to {md_code(ref)}"
                + (": the drift findings say which of its objects are missing." if tables else "."),
                decision="project-ref",
                options=(
                    "Option A: Correct the header if the file belongs here",
                    f"Option B: Treat {md_code(file)} as {md_code(value)}'s and move it out of this folder",
                ),
                subject=file,
                data={"file": file, "found": value, "expected": ref, "tables": tables, "present": present},
            )
        )
    return out


# Groups of alike tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupCheck:
    """Which tables matching ``pattern`` (SQL ``LIKE`` on the name) the files build and the database has."""

    name: str
    pattern: str
    expected: tuple[str, ...]
    present: tuple[str, ...]
    missing: tuple[str, ...]
    database_only: tuple[str, ...]

    @property
    def sql(self) -> str:
        """The seed's verification query for this group."""
        return (
            "SELECT table_name FROM information_schema.tables\nWHERE table_schema = 'public'\n"
            f"AND table_name LIKE {quote_literal(self.pattern)};"
        )


def like(pattern: str) -> re.Pattern[str]:
    """SQL ``LIKE`` as a regular expression.

    >>> bool(like("%cartridge%").fullmatch("style_cartridges")), bool(like("a_c").fullmatch("abc"))
    (True, True)
    """
    return re.compile(
        "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern), re.DOTALL
    )


def default_groups(schema: Schema) -> list[tuple[str, str]]:
    """``(name, pattern)`` for each set of two or more tables whose names end in the same word."""
    by_word: dict[str, list[str]] = {}
    for t in schema.tables:
        by_word.setdefault(t.name.rsplit(".", 1)[-1].rsplit("_", 1)[-1], []).append(t.name)
    return [(group_name(ts), f"%{word}%") for word, ts in sorted(by_word.items()) if len(ts) > 1]


def group_checks(static: Schema, live_schema: Schema, patterns: Sequence[str] = ()) -> tuple[GroupCheck, ...]:
    groups = [(p.strip("%") or p, p) for p in patterns] or default_groups(static)
    scope = {t.name.split(".")[0] for t in static.tables}
    out = []
    for name, pattern in groups:
        rx, qualified = like(pattern), "." in pattern
        files, db = (
            {
                t.name
                for t in s.tables
                if t.name.split(".")[0] in scope
                and rx.fullmatch(t.name if qualified else t.name.split(".", 1)[1])
            }
            for s in (static, live_schema)
        )
        out.append(
            GroupCheck(
                name,
                pattern,
                tuple(sorted(files)),
                tuple(sorted(files & db)),
                tuple(sorted(files - db)),
                tuple(sorted(db - files)),
            )
        )
    return tuple(out)


# The verification ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The result of :func:`verify`: findings (for the report writers) and what else the run saw."""

    findings: Findings
    target: Target
    live: Schema = field(repr=False)
    history: History | None = None
    groups: tuple[GroupCheck, ...] = ()
    explained: tuple[tuple[str, str, str], ...] = ()  # (difference, file:line, reason)
    compared: dict[str, int] = field(default_factory=dict, hash=False)
    timings: dict[str, float] = field(default_factory=dict, hash=False)
    built: bool = False
    build: Any = field(default=None, repr=False, hash=False)  # the schemalens.db.build.Build of a built database

    def to_dict(self) -> dict[str, Any]:
        from schemalens.assess.findings import findings_dict

        h = self.history
        return dict(
            findings_dict(self.findings),
            verify={
                "target": self.target.masked,
                "project_ref": self.target.project_ref,
                "built": self.built,
                "build": self.build.to_dict() if self.build is not None else None,
                "history": {"table": h.table, "rows": len(h.rows), "dirty": h.dirty, "error": h.error}
                if h
                else None,
                "groups": [
                    {
                        "name": g.name,
                        "pattern": g.pattern,
                        "expected": list(g.expected),
                        "present": list(g.present),
                        "missing": list(g.missing),
                        "database_only": list(g.database_only),
                    }
                    for g in self.groups
                ],
                "explained": [{"difference": d, "source": s, "reason": r} for d, s, r in self.explained],
                "compared": self.compared,
                "seconds": {k: round(v, 3) for k, v in self.timings.items()},
            },
        )


def _check_readonly(conn: psycopg.Connection) -> None:
    with live.readonly_transaction(conn, live.CATALOG_SEARCH_PATH):
        value = conn.execute("SELECT pg_catalog.current_setting('default_transaction_read_only')").fetchone()[
            0
        ]
    if value != "on":
        raise DatabaseError(
            "refusing to verify through a session that is not read-only by default "
            "(open it with schemalens.verify.open_session; a pooler in transaction mode drops "
            "startup options: use the direct host or the session pooler)"
        )


def verify(
    folder: str | Path,
    conn: psycopg.Connection,
    *,
    manifest: Manifest | str | Path | None = None,
    target: Target | None = None,
    baseline: live.Baseline | None = None,
    history_table: str | None = None,
    groups: Sequence[str] = (),
    static: Schema | None = None,
    bookkeeping: Sequence[str] = (),
) -> Verification:
    """Verify the database of ``conn`` (a read-only session) against the migrations in ``folder``.

    ``target`` describes the database for the report and the project check (default: from the session,
    without a project); ``baseline`` leaves out objects that existed before the migrations ran; ``static``
    is the model to verify against (default: the folder's static model; exact mode's from a build);
    ``bookkeeping`` names the runner's tables a build created, left out like the history table."""
    clock = time.perf_counter()
    timings: dict[str, float] = {}
    files = load_project(folder).files
    static, sources = (static if static is not None else load_schema(folder)), Sources(folder)
    m = load_manifest(manifest) if isinstance(manifest, (str, Path)) else manifest
    timings["files"] = time.perf_counter() - clock
    try:
        _check_readonly(conn)
        t0 = time.perf_counter()
        live_schema = live.introspect(conn, baseline)
        timings["introspect"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        located = find_history_table(conn, history_table)
        try:
            history = read_history(conn, located) if located else None
        except psycopg.errors.InsufficientPrivilege as e:
            history = History(".".join(located), error=_first_line(e)) if located else None
        timings["history"] = time.perf_counter() - t0
        if target is None:
            info = conn.info
            target = Target(
                f"{info.user}@{info.host}:{info.port}/{info.dbname}",
                info.host,
                str(info.port),
                info.dbname,
                info.user,
            )
    except psycopg.Error as e:
        raise DatabaseError(f"reading the database failed: {postgres.mask_dsn(_first_line(e))}") from None
    t0 = time.perf_counter()
    found = project_findings(target, static, m, sources, live_schema)
    if history is not None and not history.error:
        found += migration_findings(files, history, sources)
    ignore = [*([history.table] if history else []), *(t if "." in t else f"public.{t}" for t in bookkeeping)]
    drift, explained = drift_findings(static, live_schema, files, sources, ignore)
    found += drift
    found.sort(key=lambda f: (CODES.index(f.code), SEVERITY_ORDER.index(f.severity), f.subject))
    checks = group_checks(static, live_schema, groups)
    timings["compare"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - clock
    compared: dict[str, int] = {}
    for d in diff_schemas(static, Schema()):
        compared[d.kind] = compared.get(d.kind, 0) + 1
    findings = Findings(tuple(found), static, m, str(folder), files=tuple(f.name for f in files))
    return Verification(findings, target, live_schema, history, checks, tuple(explained), compared, timings)


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def verify_database(
    folder: str | Path, dsn: str, *, connect_timeout: float = CONNECT_TIMEOUT, **kwargs: Any
) -> Verification:
    """Open a read-only session on ``dsn`` and :func:`verify` through it; the session is closed after."""
    target = parse_target(dsn)
    t0 = time.perf_counter()
    with open_session(dsn, connect_timeout) as conn:
        connected = time.perf_counter() - t0
        result = verify(folder, conn, target=target, **kwargs)
    return replace(result, timings={"connect": connected, **result.timings})


def verify_built(folder: str | Path, *, server: postgres.Server | None = None, platform: str | None = None,
                 runner: str | None = None, **kwargs: Any) -> Verification:
    """Build a throwaway database from the files (:func:`schemalens.db.build.throwaway`: platform, runner
    conventions, statement by statement) on ``server`` (default: :func:`schemalens.db.postgres.server`) and
    verify it through a read-only session: the command end to end. Statements PostgreSQL refused are in
    ``result.build`` (the verification covers what was built). The build happens anyway, so exact mode
    joins what the not-analysed statements (DO blocks) did to the model, marked from the database."""
    from schemalens.db import exact
    from schemalens.db.build import throwaway

    t0 = time.perf_counter()
    files = load_project(folder).files
    static = load_schema(folder)
    watcher = exact.Watcher(exact.watched(static))
    with postgres.using(server) as srv:
        started = time.perf_counter() - t0
        t1 = time.perf_counter()
        with throwaway(srv, files, folder, platform=platform, runner=runner, manifest=kwargs.get("manifest"),
                       observe=watcher) as db:
            record_history(db.conn, files)
            applied = time.perf_counter() - t1
            with open_session(srv.dsn(db.name)) as conn:
                result = verify(
                    folder, conn, baseline=db.baseline, target=Target(f"throwaway database {db.name}"),
                    static=exact.join(static, watcher.read_backs), bookkeeping=db.build.bookkeeping, **kwargs
                )
    timings = {"server": started, "apply": applied, **result.timings, "total": time.perf_counter() - t0}
    return replace(result, timings=timings, built=True, build=db.build)


__all__ = [
    "CODES",
    "GroupCheck",
    "History",
    "HistoryRow",
    "Target",
    "Verification",
    "default_groups",
    "drift_findings",
    "find_history_table",
    "group_checks",
    "like",
    "migration_findings",
    "open_session",
    "parse_target",
    "project_findings",
    "read_history",
    "record_history",
    "verify",
    "verify_built",
    "verify_database",
    "version_key",
]
