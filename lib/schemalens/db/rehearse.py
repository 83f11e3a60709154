"""Rehearse every option on a throwaway copy: the evidence a decision meeting needs that its SQL works.

For each :class:`~schemalens.decide.decisions.Option`, :func:`rehearse` builds a fresh database on an embedded
PostgreSQL (or ``DATABASE_URL``'s server, in a database it creates and drops): the Supabase stand-ins,
every migration file in order, then the sample rows (``seed``; by default Supabase's ``seed.sql``
beside the migrations folder, when there is one). Then, as an operator would:

1. the preflight checks meant for *before up* run, and their rows are kept (a few of them shown);
2. ``up.sql`` runs, then each later script (``validate.sql`` …) after its own checks; a script that
   fails is rolled back (each is one transaction) and the scripts after it are not run;
3. the catalog is compared with the one before (:func:`schemalens.read.diff.diff_schemas`, and the
   privileges on every table and view), and every row of every table that existed is compared by checksum (tables followed by oid, so a rename or a move to
   another schema does not hide a change);
4. the checks meant for *before down* run, then ``down.sql``, and the catalog and the rows are compared
   with the ones before ``up.sql`` again.

The verdict (:attr:`Rehearsal.verdict`): ``proven`` when every script ran, the rollback gave back the
catalog and no kept row changed; ``refused`` when a script failed exactly where a blocking check had
listed rows (the preflight predicted it: the data must be fixed first), and the failure left nothing
behind; ``failed`` otherwise. Nothing here touches a database the caller named: every database is
created here and dropped afterwards.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg

from schemalens.core.errors import InputError
from schemalens.db import concurrent, live, newrows, postgres, signup, tenancy
from schemalens.db import observed as seen_rows  # "observed" is the locks seen, below
from schemalens.db.locks import StatementLocks, observed_unsafe, run_observed, table_rows
from schemalens.decide.decisions import Check, Decisions, Option
from schemalens.decide.rowgen import Generated, generate_rows
from schemalens.decide.sqlgen import ident
from schemalens.decide.stated import Observed, false_statements
from schemalens.read.diff import diff_schemas
from schemalens.read.project import load_project

SHOWN_ROWS = 5  # rows of a check kept for display
SHOWN_COLUMNS = 4
SHOWN_WIDTH = 48  # characters of a value kept for display
VERDICTS = {
    "proven": "✅ proven",
    "refused": "⛔ refused until the preflight is clean",
    "failed": "❌ failed",
}


@dataclass(frozen=True)
class CheckResult:
    """A preflight check run on the rehearsal database: how many rows it listed, and the first few."""

    check: Check
    rows: int
    columns: tuple[str, ...] = ()
    sample: tuple[tuple[str, ...], ...] = ()
    error: str = ""  # PostgreSQL's message when the query itself failed

    @property
    def blocks(self) -> bool:
        """The check must list no row, and it listed some: the next script will refuse or lose data."""
        return self.check.blocking and self.rows > 0


@dataclass(frozen=True)
class ScriptResult:
    """One script of an option: whether it ran (``ok`` None: not run), and PostgreSQL's error if it failed."""

    name: str
    statements: int
    ok: bool | None
    error: str = ""
    changes: int = 0  # catalog objects that differ after it, compared with before it
    sqlstate: str = ""  # PostgreSQL's error code when it failed (class 42: the SQL does not fit the schema)

    @property
    def outcome(self) -> str:
        return "not run" if self.ok is None else "ok" if self.ok else "failed"


@dataclass(frozen=True)
class Rehearsal:
    """One option rehearsed: preflight results, each script's outcome, and what forward and rollback did."""

    option: Option
    checks: tuple[CheckResult, ...]
    scripts: tuple[ScriptResult, ...]
    changed: tuple[str, ...] = ()  # catalog differences after the forward scripts (one line each)
    left_behind: tuple[str, ...] = ()  # catalog differences after the rollback (empty: restored)
    rows_kept: bool = True  # every row of every table that existed is unchanged, after forward and rollback
    rows_changed: tuple[str, ...] = ()  # the tables whose kept rows changed
    locks: tuple[StatementLocks, ...] = field(default=(), compare=False)  # observed per statement (locks.py)
    seconds: float = field(default=0.0, compare=False)
    tenants: tenancy.TenantCheck | None = None  # what signed-in users can do before and after (None: not run)
    concurrency: Any = None  # schemalens.db.concurrent.Run: the scripts with the application writing (None: not run)
    signup: signup.Signup | None = None  # an invited user's sign-up, when the option adds a trigger to auth.users
    fresh: newrows.NewRows | None = None  # the tables the option creates, with a row per user (None: none created)
    false_statements: tuple[str, ...] = ()  # what the option's texts state and the rehearsal contradicts (decide.stated)
    rows_written: tuple[str, ...] = ()  # existing tables whose rows the forward scripts wrote (db.observed), whatever the values

    @property
    def restored(self) -> bool:
        return not self.left_behind

    @property
    def failed_script(self) -> ScriptResult | None:
        return next((s for s in self.scripts if s.ok is False), None)

    @property
    def unsafe(self) -> tuple[str, ...]:
        """Why the option is unsafe: the generator's reasons, then what the rehearsal observed."""
        return self.option.unsafe + observed_unsafe(self.locks)

    @property
    def lock_mismatches(self) -> tuple[str, ...]:
        """``script.sql, statement: mismatch`` wherever observed locks differ from the predicted ones."""
        return tuple(f"{s.script}.sql, {s.statement}: {m}" for s in self.locks for m in s.mismatches)

    @property
    def predicted(self) -> tuple[CheckResult, ...]:
        """The blocking checks that listed rows before the script that failed."""
        failed = self.failed_script
        if failed is None:
            return ()
        return tuple(c for c in self.checks if c.blocks and c.check.when == f"before {failed.name}")

    @property
    def verdict(self) -> str:
        """``proven``, ``refused`` (a failure the preflight predicted, nothing left behind) or ``failed``."""
        if not (self.restored and self.rows_kept) or self.false_statements or any(x is not None and not x.ok
                                                         for x in (self.tenants, self.concurrency, self.signup, self.fresh)):
            return "failed"
        if any(c.error for c in self.checks):  # a preflight that cannot run checks nothing: part of the option
            return "failed"
        failed = self.failed_script
        if failed is None:
            return "proven" if all(s.ok for s in self.scripts) else "failed"
        # a statement that does not fit the schema (class 42: a column that exists, a key without a unique
        # target) fails whatever the rows are: no preflight predicted that, whatever rows it listed
        fits = not failed.sqlstate.startswith("42")
        return "refused" if self.predicted and fits and failed.name != "down" and failed.changes == 0 else "failed"

    @property
    def preflight(self) -> str:
        """``clean``; ``blocked by`` the blocking checks that listed rows (with their counts); ``failed:`` the
        checks whose query PostgreSQL refused (they checked nothing)."""
        broken = [c.check.name for c in self.checks if c.error]
        if broken:
            return "failed: " + ", ".join(broken)
        blocking = [f"{c.check.name} ({c.rows})" for c in self.checks if c.blocks]
        return ("blocked by " + ", ".join(blocking)) if blocking else "clean"

    def row(self) -> dict[str, Any]:
        """One line of the meeting's summary table."""
        return {
            "decision": self.option.decision,
            "option": self.option.key,
            "title": self.option.title,
            "preflight": self.preflight,
            "scripts": ", ".join(f"{s.name} {s.outcome}" for s in self.scripts),
            "catalog changes": len(self.changed),
            "rollback restores": "yes" if self.restored else f"no ({len(self.left_behind)} differences)",
            "rows kept": "yes" if self.rows_kept else "no",
            "locks": f"{len(self.lock_mismatches)} differ" if self.lock_mismatches else "as predicted",
            "unsafe": "yes" if self.unsafe else "no",
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class Rehearsals(Sequence):
    """The rehearsal of every option; ``seed``: the file of sample rows used (None: none)."""

    items: tuple[Rehearsal, ...]
    seed: str | None = None
    server: str = ""
    generated: Generated | None = None  # the rows generated when there was no seed (schemalens.decide.rowgen)
    build: Any = None  # the schemalens.db.build.Build every option's database was built with (the same each time)

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Rehearsal]:
        return iter(self.items)

    def of(self, decision: str, key: str | None = None) -> tuple[Rehearsal, ...] | Rehearsal:
        """The rehearsals of one decision, or of one of its options (by key or slug)."""
        found = tuple(r for r in self.items if r.option.decision == decision)
        if key is None:
            return found
        for r in found:
            if key in (r.option.key, r.option.slug):
                return r
        raise KeyError(f"no rehearsal of {decision} option {key}")

    def rows(self) -> list[dict[str, Any]]:
        return [r.row() for r in self.items]

    def frame(self):
        """The summary table as a pandas DataFrame (one row per option)."""
        import pandas as pd

        return pd.DataFrame(self.rows())

    def counts(self) -> dict[str, int]:
        """``{verdict: options}`` in the order proven, refused, failed."""
        found = Counter(r.verdict for r in self.items)
        return {v: found[v] for v in VERDICTS if found[v]}


# Rows, by checksum --------------------------------------------------------------------------------------


Checksums = dict[int, Counter]
Columns = dict[int, list[int]]


def row_checksums(conn: psycopg.Connection, columns: Columns | None = None) -> tuple[Checksums, Columns]:
    """``({table oid: Counter(row md5)}, {oid: attnums})`` over every user table, each row hashed over the
    columns (by number) it had at ``columns`` time, so renamed and moved tables are followed by oid and a
    column added later does not count as a change. Tables gone since ``columns`` are left out."""
    found = conn.execute(
        """
        SELECT c.oid, array_agg(a.attnum ORDER BY a.attnum)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
          AND n.nspname NOT LIKE 'pg_temp%'
        GROUP BY c.oid"""
    ).fetchall()
    now = {oid: list(nums) for oid, nums in found}
    columns = columns or now
    out: Checksums = {}
    for oid, nums in columns.items():
        if oid not in now:
            continue
        names = dict(conn.execute("SELECT attnum, attname FROM pg_attribute WHERE attrelid = %s AND attnum > 0",
                                  (oid,)).fetchall())
        cols = ", ".join(f"t.{ident(names[n])}" for n in nums if n in names)
        rel = conn.execute("SELECT %s::oid::regclass::text", (oid,)).fetchone()[0]
        out[oid] = Counter(r[0] for r in conn.execute(f"SELECT md5(ROW({cols})::text) FROM {rel} AS t"))
    return out, columns


PRIVILEGES_SQL = """
SELECT c.oid::regclass::text, coalesce(r.rolname, 'PUBLIC'), a.privilege_type
FROM pg_catalog.pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
WHERE c.relkind IN ('r', 'p', 'v', 'm') AND c.relnamespace NOT IN ('pg_catalog'::regnamespace,
                                                                  'information_schema'::regnamespace)"""


def privileges(conn: psycopg.Connection) -> set[tuple[str, str, str]]:
    """``(table, grantee, privilege)`` for every privilege granted on a table or view (PUBLIC as ``PUBLIC``)."""
    return set(conn.execute(PRIVILEGES_SQL).fetchall())


def privilege_changes(before: set, after: set) -> list[str]:
    """One line per privilege revoked (``-``) or granted (``+``), in the style of the catalog differences."""
    return [f"- privilege {p} of {g} on {t}" for t, g, p in sorted(before - after)] + [
        f"+ privilege {p} of {g} on {t}" for t, g, p in sorted(after - before)]


def _changed_tables(conn: psycopg.Connection, before: Checksums, after: Checksums) -> list[str]:
    oids = sorted(o for o in before.keys() | after.keys() if before.get(o) != after.get(o))
    return [conn.execute("SELECT %s::oid::regclass::text", (o,)).fetchone()[0] if o in after else f"oid {o}"
            for o in oids]


# Running ------------------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    text = "NULL" if value is None else " ".join(str(value).split())
    return text if len(text) <= SHOWN_WIDTH else text[: SHOWN_WIDTH - 1] + "…"


def run_check(conn: psycopg.Connection, check: Check) -> CheckResult:
    """Run one preflight query in a read-only transaction (:func:`schemalens.db.live.readonly_transaction`);
    its row count and first rows."""
    try:
        with live.readonly_transaction(conn):
            cur = conn.execute(check.sql)
            rows = cur.fetchall()
            names = tuple(d.name for d in cur.description or ())
    except psycopg.Error as e:
        return CheckResult(check, 0, error=" ".join(str(e).split()))
    # the first columns that hold a value in some row (an all-NULL column says nothing)
    keep = [i for i in range(len(names)) if any(r[i] is not None for r in rows)][:SHOWN_COLUMNS]
    shown = sorted(tuple(_show(r[i]) for i in keep) for r in rows)[:SHOWN_ROWS]
    return CheckResult(check, len(rows), tuple(names[i] for i in keep), tuple(shown))


def seed_file(migrations: str | Path, seed: str | Path | None = "auto") -> Path | None:
    """The sample rows to rehearse with: ``seed`` itself, or for ``"auto"`` Supabase's ``seed.sql`` beside
    the migrations folder (``supabase/seed.sql`` next to ``supabase/migrations``) when there is one."""
    if seed is None or seed == "":
        return None
    if seed == "auto":
        beside = Path(migrations).parent / "seed.sql"
        return beside if beside.is_file() else None
    path = Path(seed)
    if not path.is_file():
        raise InputError("no such seed file (the rows to rehearse the options with)", str(seed))
    return path


def _statements(option: Option, name: str) -> int:
    return len(option.steps(name))


def rehearse_option(conn: psycopg.Connection, option: Option, base: live.Baseline) -> Rehearsal:
    """Rehearse one option on ``conn``: a database that holds the migrations (and rows) and nothing else."""
    t0 = time.perf_counter()
    before = live.introspect(conn, base)
    granted = privileges(conn)
    sums, columns = row_checksums(conn)
    rows = table_rows(conn, sums)
    xmins = seen_rows.versions(conn, sums)
    observed: list[StatementLocks] = []
    oids = tenancy.table_oids(conn, tenancy.touched(option))
    access = tenancy.measure(conn, oids)
    triggers = signup.triggers(conn)
    checks: list[CheckResult] = []
    scripts: list[ScriptResult] = []
    forward = [n for n in option.scripts if n != "down"]
    current, current_grants = before, granted
    stopped = False
    for name in forward:
        if stopped:
            scripts.append(ScriptResult(name, _statements(option, name), None))
            continue
        checks += [run_check(conn, c) for c in option.checks_for(f"before {name}")]
        error, state, seen = run_observed(conn, option, name, rows)
        observed += seen
        stopped = bool(error)
        after, after_grants = live.introspect(conn, base), privileges(conn)
        changes = len(diff_schemas(current, after)) + len(privilege_changes(current_grants, after_grants))
        scripts.append(ScriptResult(name, _statements(option, name), not error, error, changes, state))
        if not error:
            current, current_grants = after, after_grants
    changed = tuple(str(d) for d in diff_schemas(before, current, labels=("before", "after")))
    changed += tuple(privilege_changes(granted, current_grants))
    changed_rows = _changed_tables(conn, sums, row_checksums(conn, columns)[0])
    wrote = seen_rows.written(conn, xmins)
    wrong = false_statements(option, Observed(before, current, tuple(wrote), tuple(forward), seen_rows.counts(
        conn, option.creates), seen_rows.executors(conn))) if all(s.ok for s in scripts) else ()
    tenants = None
    if all(s.ok for s in scripts):
        after = tenancy.measure(conn, oids + tenancy.table_oids(conn, option.creates))
        tenants = tenancy.widening(access, after, option.widens, tenancy.explain_tables(current, after.names.values()))
    invited = signup.invited_signup(conn) if all(s.ok for s in scripts) and signup.triggers(conn) - triggers else None
    created = tenancy.table_oids(conn, option.creates) if all(s.ok for s in scripts) else []
    fresh = newrows.check(conn, created, option.widens) if created else None
    if scripts[0].ok:
        checks += [run_check(conn, c) for c in option.checks_for("before down")]
        error, state, seen = run_observed(conn, option, "down", rows)
        observed += seen
        scripts.append(ScriptResult("down", _statements(option, "down"), not error, error, 0, state))
    else:
        scripts.append(ScriptResult("down", _statements(option, "down"), None))
    restored = live.introspect(conn, base)
    left = tuple(str(d) for d in diff_schemas(before, restored, labels=("before", "after rollback")))
    left += tuple(privilege_changes(granted, privileges(conn)))
    changed_rows += [t for t in _changed_tables(conn, sums, row_checksums(conn, columns)[0]) if t not in changed_rows]
    return Rehearsal(option, tuple(checks), tuple(scripts), changed, left, not changed_rows, tuple(changed_rows),
                     tuple(observed), time.perf_counter() - t0, tenants, signup=invited, fresh=fresh,
                     false_statements=wrong, rows_written=tuple(wrote))


def created_tables(conn: psycopg.Connection, base: live.Baseline) -> list[int]:
    """The oids of the tables that did not exist at ``base`` (the ones the migrations created)."""
    before = set(base.excluded("pg_class"))
    found = conn.execute("SELECT oid FROM pg_catalog.pg_class WHERE relkind IN ('r', 'p') AND oid >= 16384")
    return [oid for (oid,) in found if oid not in before]


@contextmanager
def prepared(srv: postgres.Server, files: Sequence[Any], folder: str | Path, seed: Path | None,
             builds: list[Any] | None = None, **build_options: Any) -> Iterator[tuple[psycopg.Connection, live.Baseline]]:
    """A fresh database on ``srv`` built from the migration files (:func:`schemalens.db.build.throwaway`: statements
    PostgreSQL refuses are left out and recorded; the :class:`~schemalens.db.build.Build` is appended to
    ``builds``), then the seed rows; dropped after."""
    from schemalens.db.build import apply_more, throwaway

    with throwaway(srv, files, folder, **build_options) as db:
        made = db.build
        if seed is not None:  # rows a partial build has no table for are refused and listed like the rest
            made = apply_more(db.conn, made, postgres._read_migration(seed, str(seed)), str(seed))  # errors name it
        if builds is not None:
            builds.append(made)
        yield db.conn, db.baseline


def rehearse_concurrently(srv, files, folder, seed, option: Option, generate: bool = False,
                          **build) -> concurrent.Run:
    """:func:`schemalens.db.concurrent.run` on a fresh database of ``srv`` built as :func:`prepared` builds it;
    ``generate``: without a seed, the rows of :mod:`schemalens.decide.rowgen` first (as the rehearsal has them),
    so the second session has rows to update and delete."""
    with prepared(srv, files, folder, seed, **build) as (conn, base), \
            srv.connect(conn.info.dbname, autocommit=True) as other:
        if seed is None and generate:
            generate_rows(conn, created_tables(conn, base))
        return concurrent.run(conn, other, option)


def rehearse(
    decisions: Decisions,
    migrations: str | Path | None = None,
    *,
    seed: str | Path | None = "auto",
    server: postgres.Server | None = None,
    options: Iterable[Option] | None = None,
    generate: bool = True,
    concurrently: bool = True,
    platform: str | None = None,
    runner: str | None = None,
) -> Rehearsals:
    """Rehearse ``options`` (default: every option of ``decisions``), each on its own fresh database built
    from ``migrations`` (default: the folder the findings were read from) and ``seed`` (see
    :func:`seed_file`), on ``server`` (default: :func:`schemalens.db.postgres.server`). Without a seed file
    and with ``generate``, every database gets the same generated rows (:mod:`schemalens.decide.rowgen`).
    ``concurrently``: run each option's forward scripts again, on another fresh database, while a second
    session writes (:mod:`schemalens.db.concurrent`)."""
    folder = migrations or (decisions.findings.migrations if decisions.findings is not None else None)
    if not folder:
        raise InputError("rehearse needs the migrations folder the decisions were made from")
    files = load_project(folder).files
    rows = seed_file(folder, seed)
    if rows is not None:  # bad input before any database: a seed that cannot be read or is not UTF-8
        postgres._read_migration(rows, str(rows))
    chosen = tuple(decisions.options() if options is None else options)
    done: list[Rehearsal] = []
    builds: list[Any] = []
    generated = None
    manifest = decisions.findings.manifest if decisions.findings is not None else None
    platform = platform or (manifest.platform if manifest is not None else None)
    with postgres.using(server) as srv:
        for option in chosen:
            with prepared(srv, files, folder, rows, builds, platform=platform, runner=runner) as (conn, base):
                if rows is None and generate:
                    generated = generate_rows(conn, created_tables(conn, base))
                found = rehearse_option(conn, option, base)
            if concurrently:
                found = replace(found, concurrency=rehearse_concurrently(
                    srv, files, folder, rows, option, generate, platform=platform, runner=runner))
            done.append(found)
        where = "embedded PostgreSQL" if srv.embedded else "DATABASE_URL's server (throwaway databases)"
        version = srv.version()
    label = f"{where} {version // 10000}.{version % 10000}"
    return Rehearsals(tuple(done), rows.name if rows else None, label, generated, builds[0] if builds else None)


__all__ = ["CheckResult", "Rehearsal", "Rehearsals", "ScriptResult", "privilege_changes", "privileges", "rehearse",
           "rehearse_option", "row_checksums", "run_check", "seed_file"]
