"""Build a throwaway database from migration files, statement by statement, and keep going.

:func:`build` prepares a fresh database for the folder's platform and runner (:mod:`schemalens.read.platform`):
the Supabase objects a Supabase project starts with (only for Supabase), the extensions the files create
(the real ones the server ships, schemalens's stand-ins, or an empty stand-in for one nobody ships), and
the runner's bookkeeping tables. Then it applies every statement as the runner would (one transaction
per file, or none), each under a savepoint: a statement PostgreSQL refuses is rolled back alone and
recorded (:class:`Refused`: file:line, PostgreSQL's error, what it leaves out, and why), and the build
goes on. Statements PostgreSQL refuses inside a transaction block (``CREATE INDEX CONCURRENTLY``,
``VACUUM``, …) run between the file's transactions, and an enum value added by ``ALTER TYPE … ADD VALUE``
is committed before the next statement uses it; :attr:`Build.notes` says where that happened.

A build with refused statements is *partial*: the commands still report what they can, with a
"PostgreSQL refused N statements" section (:meth:`Build.markdown`), and exit with
:data:`EXIT_PARTIAL` (3) instead of 0 or 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from schemalens.db import postgres
from schemalens.read.migrations import MigrationFile
from schemalens.read.parse import split
from schemalens.read.platform import Detected, owned_schemas
from schemalens.read.runners import detect, runner_for, runner_search_path  # noqa: F401 (re-exported)

EXIT_PARTIAL = 3

# Statements PostgreSQL refuses inside a transaction block.
OUTSIDE_TRANSACTION = re.compile(
    r"(?is)^\s*(create\s+(unique\s+)?index\s+concurrently|drop\s+index\s+concurrently|reindex\b.*\bconcurrently"
    r"|vacuum\b|create\s+database|drop\s+database|alter\s+system|create\s+tablespace|drop\s+tablespace"
    r"|alter\s+type\s+\S+\s+add\s+value)"  # PostgreSQL < 12; on 12+ it commits before the value is used
)
_ADD_VALUE = re.compile(r"(?is)^\s*alter\s+type\s+.+\s+add\s+value\b")
_TRANSACTION_CONTROL = re.compile(r"(?is)^\s*(begin|start\s+transaction|commit|end|rollback|abort)\b\s*(transaction|work)?\s*$")
_CREATE_EXTENSION = re.compile(
    r"(?is)create\s+extension\s+(?:if\s+not\s+exists\s+)?(\"[^\"]+\"|[\w-]+)(?:\s+with)?(?:\s+schema\s+(\"[^\"]+\"|\w+))?")
_CREATES = re.compile(
    r"(?is)^\s*(?:create\s+(?:or\s+replace\s+)?(?:unique\s+|temp(?:orary)?\s+|unlogged\s+|materialized\s+|"
    r"recursive\s+|constraint\s+)*(table|index|view|function|procedure|type|trigger|policy|schema|sequence|"
    r"extension|domain|aggregate|publication|role)\s+(?:concurrently\s+)?(?:if\s+not\s+exists\s+)?"
    r"((?:\"[^\"]+\"|[\w$]+)(?:\s*\.\s*(?:\"[^\"]+\"|[\w$]+))?)"
    r"|alter\s+(table|type|function|view|sequence|index|schema|policy)\s+(?:if\s+exists\s+)?(?:only\s+)?"
    r"((?:\"[^\"]+\"|[\w$]+)(?:\s*\.\s*(?:\"[^\"]+\"|[\w$]+))?))")
_MISSING = re.compile(r'(?:relation|type|schema|function|table|extension|column \S+ of relation) "?([^"\s(]+)"?'
                      r"(?:\([^)]*\))? does not exist")


@dataclass(frozen=True)
class Refused:
    """A statement PostgreSQL refused: where, its error, what it leaves out, and why."""

    file: str
    line: int
    statement: str  # its first line
    error: str
    sqlstate: str
    leaves_out: str  # the object it would have created or changed, e.g. "index public.t_idx"
    cause: str  # why: a missing extension, a statement refused before it, or PostgreSQL's own error class

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "statement": self.statement, "error": self.error,
                "sqlstate": self.sqlstate, "leaves_out": self.leaves_out, "cause": self.cause}


@dataclass(frozen=True)
class Build:
    """What a build did: platform, runner, the stand-ins put in place, and every refused statement."""

    platform: Detected
    runner: Detected
    statements: int = 0
    applied: int = 0
    refused: tuple[Refused, ...] = ()
    standins: tuple[str, ...] = ()  # one line per stand-in, each saying it is one
    extensions: tuple[str, ...] = ()  # real extensions the server ships that the files created
    notes: tuple[str, ...] = ()  # statements run outside the file's transaction, and why
    bookkeeping: tuple[str, ...] = ()  # the runner's tables created before the files

    @property
    def partial(self) -> bool:
        return bool(self.refused)

    def to_dict(self) -> dict[str, Any]:
        return {"platform": str(self.platform), "runner": str(self.runner), "statements": self.statements,
                "applied": self.applied, "partial": self.partial, "refused": [r.to_dict() for r in self.refused],
                "standins": list(self.standins), "extensions": list(self.extensions), "notes": list(self.notes),
                "bookkeeping": list(self.bookkeeping)}

    def markdown(self, level: int = 2) -> str:
        """The build as Markdown: platform, runner, stand-ins and, when partial, every refused statement."""
        h = "#" * level
        lines = [f"{h} Build of the throwaway database\n",
                 (f"Platform: {_md(str(self.platform))}. Runner: {_md(str(self.runner))}. "
                  f"{self.applied} of {self.statements} statements applied.")]
        if self.bookkeeping:
            lines.append(f"\nThe runner's bookkeeping, created before the files: {', '.join(self.bookkeeping)}.")
        if self.extensions:
            lines.append(f"\nReal extensions: {', '.join(_md(e) for e in self.extensions)}.")
        if self.standins:
            lines.append("\nStand-ins (not the real thing; see each one's note):\n")
            lines += [f"- {_md(s)}" for s in self.standins]
        if self.notes:
            lines.append("\nHow the runner applied them:\n")
            lines += [f"- {_md(n)}" for n in self.notes]
        if self.refused:
            lines.append(f"\n{h} PostgreSQL refused {len(self.refused)} statement{'s' * (len(self.refused) != 1)}\n")
            lines.append("The build went on without them: what they leave out is missing from everything below.\n")
            lines.append("| Where | Statement | PostgreSQL's error | Leaves out | Why |\n|---|---|---|---|---|")
            for r in self.refused:
                lines.append(f"| `{_md(r.file)}:{r.line}` | `{_md(r.statement[:80])}` | {_md(r.error)} | "
                             f"{_md(r.leaves_out)} | {_md(r.cause)} |")
        return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|").replace("`", "'")


def build(conn: psycopg.Connection, files: Sequence[MigrationFile], folder: str | Path, *,
          platform: str | None = None, runner: str | None = None,
          server: postgres.Server | None = None,
          prepared: Callable[[psycopg.Connection], Any] | None = None,
          observe: Callable[[psycopg.Connection, str, Any, bool | None], Any] | None = None) -> Build:
    """Prepare the fresh database of ``conn`` (autocommit, idle) for the folder's platform and runner and
    apply ``files`` statement by statement; never raises for a statement PostgreSQL refuses. ``prepared``
    is called once the platform, extensions and bookkeeping are in place, before the first file.
    ``observe(conn, file, statement, applied)`` is called before each statement (``applied`` None) and after it
    (True, or False when PostgreSQL refused it), on the same connection and transaction (exact mode reads
    the catalog there: :mod:`schemalens.db.exact`)."""
    found_platform, found_runner = detect(folder, files, platform, runner)
    how = runner_for(found_runner.name)
    texts = [how.render(f.text) for f in files]
    state = _State(conn, observe)
    standins = list(install_platform(conn, found_platform))
    wanted = extensions_wanted(texts)
    standins += prepare_extensions(conn, wanted, server)
    real = tuple(sorted(n for n, _ in wanted if n not in {s.split(":")[0] for s in standins}
                        and _available(conn, n)))
    owned = owned_schemas(texts) if found_platform.name != "supabase" else ()
    state.notes += _service_schemas(conn, owned, how.own_schema_first)
    if owned and not how.own_schema_first:  # a service keeps the runner's table in its schema (hasura-auth)
        conn.execute(sql.SQL("SET search_path = {}, public").format(sql.Identifier(owned[0])))
    bookkeeping = how.create_bookkeeping(conn, texts)
    if owned and not how.own_schema_first:
        conn.execute("RESET search_path")
    if prepared is not None:
        prepared(conn)
    for f, text in zip(files, texts):
        state.apply_file(f.name, text, how.in_transaction(f, text))
    empty = tuple(line.split(":")[0] for line in standins if "empty stand-in" in line)
    refused = tuple(_explain(r, state.refused, empty, texts) for r in state.refused)
    return Build(found_platform, found_runner, state.statements, state.applied, refused, tuple(standins), real,
                 tuple(state.notes), bookkeeping)


def _service_schemas(conn: psycopg.Connection, owned: Sequence[str], first: bool) -> list[str]:
    """A service that owns a schema (supabase/auth, supabase/storage, hasura-auth) has its runner create it
    before the files, and a Supabase service's runner puts it first on the search_path."""
    notes = []
    for schema in owned:
        if conn.execute("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (schema,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            notes.append(f"schema {schema} created before the files, as the service's own runner does")
    if owned and first:
        conn.execute(sql.SQL("SET search_path = {}, public").format(sql.Identifier(owned[0])))
        notes.append(f"search_path {owned[0]}, public, as the service's runner sets it")
    return notes


def install_platform(conn: psycopg.Connection, platform: Detected) -> list[str]:
    """Put in place what the platform gives every project; one line per stand-in (none for plain PostgreSQL)."""
    if platform.name != "supabase":
        return []
    postgres.install_standins(conn)
    made = [("supabase: schemas auth, storage, extensions, roles anon/authenticated/service_role, default "
             "privileges, auth.users (Supabase's columns), auth.uid()/role()/jwt()/email(), storage.buckets/objects: "
             "schemalens stand-ins of a new Supabase project, not Supabase's code")]
    try:
        conn.execute(postgres.read_sql("supabase_platform.sql"))
    except psycopg.Error as e:
        raise postgres.DatabaseError(f"installing the Supabase platform stand-ins failed: {e}") from e
    rows = conn.execute("SELECT e.extname, n.nspname FROM pg_catalog.pg_extension e "
                        "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace ORDER BY 1").fetchall()
    for name, schema in rows:
        if _standin(conn, name):
            made.append(f"{name}: in schema {schema}, as on Supabase: {STANDIN_EXTENSIONS[name]}")
    made.append("supabase_realtime: an empty publication, as on Supabase")
    return made


# The extensions schemalens ships stand-ins for (sql/extension/), and what each does.
STANDIN_EXTENSIONS = {
    "uuid-ossp": "schemalens stand-in (pure SQL, every function works)",
    "pgcrypto": "schemalens stand-in (digest, hmac, gen_random_bytes work; gen_salt and crypt keep pgcrypto's "
                "formats and round trip, but crypt is a salted SHA-256, not bcrypt; encryption and PGP raise)",
    "pg_net": "schemalens stand-in (net.http_get/post/delete queue requests, nothing is sent)",
    "http": "schemalens stand-in (signatures only; requests raise)",
    "pg_cron": "schemalens stand-in (cron.schedule records jobs in cron.job, nothing runs)",
    "pgsodium": "schemalens stand-in (key table and roles; encryption raises)",
    "supabase_vault": "schemalens stand-in (vault.secrets, create_secret, decrypted_secrets; nothing encrypted)",
    "pgjwt": "schemalens stand-in (sign, verify, url_encode, url_decode work, HS256/384/512)",
    "pg_graphql": "schemalens stand-in (graphql.resolve answers with an error)",
}


def extensions_wanted(texts: Sequence[str]) -> list[tuple[str, str | None]]:
    """The extensions the texts create, with the schema named (in order, once each)."""
    seen: dict[str, str | None] = {}
    for text in texts:
        for m in _CREATE_EXTENSION.finditer(text):
            name = m.group(1).strip('"')
            seen.setdefault(name, m.group(2).strip('"') if m.group(2) else None)
    return list(seen.items())


def _available(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = %s", (name,)).fetchone() \
        is not None


def _standin(conn: psycopg.Connection, name: str) -> bool:
    """Whether the server offers schemalens's stand-in of ``name`` (the embedded server), not the real one."""
    row = conn.execute("SELECT comment FROM pg_catalog.pg_available_extensions WHERE name = %s", (name,)).fetchone()
    return name in STANDIN_EXTENSIONS and row is not None and (row[0] or "").startswith("schemalens stand-in")


def prepare_extensions(conn: psycopg.Connection, wanted: Sequence[tuple[str, str | None]],
                       server: postgres.Server | None) -> list[str]:
    """Say which wanted extensions are stand-ins; on the embedded server, write an empty stand-in for each
    extension nobody ships (so ``CREATE EXTENSION`` succeeds and only what uses it is refused)."""
    out = []
    share = getattr(server, "extension_share", None)
    have = {row[0] for row in conn.execute("SELECT extname FROM pg_catalog.pg_extension")}
    for name, _ in wanted:
        if name in have:
            continue  # the platform has it already (and said so)
        if _standin(conn, name):
            out.append(f"{name}: {STANDIN_EXTENSIONS[name]}")
        elif not _available(conn, name) and share is not None and re.fullmatch(r"[\w-]{1,63}", name):
            _write_empty_extension(Path(share) / "extension", name)
            out.append(f"{name}: empty stand-in (the extension is not available here: it creates nothing, "
                       "so what uses it is refused and listed)")
    return out


def _write_empty_extension(folder: Path, name: str) -> None:
    control = folder / f"{name}.control"
    if control.exists():
        return
    control.write_text(f"# empty stand-in written by schemalens: {name} is not available on this server\n"
                       f"comment = 'schemalens empty stand-in for {name}'\ndefault_version = '0'\n"
                       "relocatable = true\n", encoding="utf-8")
    (folder / f"{name}--0.sql").write_text(f"-- empty stand-in for {name}: creates nothing\n", encoding="utf-8")
    control.chmod(0o644)
    (folder / f"{name}--0.sql").chmod(0o644)


class _State:
    """Applies statements on an autocommit connection, one savepoint each, recording the refused ones."""

    def __init__(self, conn: psycopg.Connection, observe: Callable[[psycopg.Connection, str, Any, bool | None], Any] | None = None):
        if conn.info.transaction_status != TransactionStatus.IDLE:
            raise postgres.DatabaseError("cannot build: the connection is inside a transaction")
        conn.autocommit = True
        self.conn = conn
        self.statements = 0
        self.applied = 0
        self.refused: list[Refused] = []
        self.notes: list[str] = []
        self.observe = observe

    def apply_file(self, name: str, text: str, transaction: bool) -> None:
        pieces = split(text, name)
        if transaction:
            self.conn.execute("BEGIN")
        try:
            for piece in pieces:
                self.statements += 1
                body = piece.text.strip()
                if _TRANSACTION_CONTROL.match(body):
                    self.applied += 1  # the file's own BEGIN/COMMIT: the file runs as one transaction anyway
                    continue
                if transaction and OUTSIDE_TRANSACTION.match(body) and not _ADD_VALUE.match(body):
                    self.conn.execute("COMMIT")
                    self._run(name, piece, savepoint=False)
                    self.notes.append(f"{name}:{piece.line}: {_first_line(body)[:60]} ran outside the file's "
                                      "transaction (PostgreSQL refuses it inside one)")
                    self.conn.execute("BEGIN")
                    continue
                self._run(name, piece, savepoint=transaction)
                if transaction and _ADD_VALUE.match(body):
                    self.conn.execute("COMMIT")  # the new value is usable only once committed
                    self.conn.execute("BEGIN")
        finally:
            if self.conn.info.transaction_status == TransactionStatus.INTRANS:
                self.conn.execute("COMMIT")
            elif self.conn.info.transaction_status == TransactionStatus.INERROR:
                self.conn.execute("ROLLBACK")

    def _run(self, name: str, piece: Any, savepoint: bool) -> None:
        if self.observe is not None:
            self.observe(self.conn, name, piece, None)
        if savepoint:
            self.conn.execute("SAVEPOINT schemalens_statement")
        try:
            self.conn.execute(piece.text)
        except psycopg.Error as e:
            if savepoint:
                self.conn.execute("ROLLBACK TO SAVEPOINT schemalens_statement")
            elif self.conn.info.transaction_status == TransactionStatus.INERROR:
                self.conn.execute("ROLLBACK")
            self.refused.append(_refused(name, piece, e))
            if self.observe is not None:
                self.observe(self.conn, name, piece, False)
            return
        if savepoint:
            self.conn.execute("RELEASE SAVEPOINT schemalens_statement")
        elif self.conn.info.transaction_status == TransactionStatus.INTRANS:
            self.conn.execute("COMMIT")  # a statement that opened a transaction of its own outside the file's
        self.applied += 1
        if self.observe is not None:
            self.observe(self.conn, name, piece, True)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _refused(name: str, piece: Any, e: psycopg.Error) -> Refused:
    position = e.diag.statement_position
    line = piece.line + (piece.text.count("\n", 0, int(position) - 1) if position else 0)
    return Refused(name, line, _first_line(piece.text), postgres._message(e), e.sqlstate or "",
                   leaves_out(piece.text), "")


def leaves_out(text: str) -> str:
    """What a statement would have created or changed, from its head: ``table public.t``, or its first words.

    >>> leaves_out('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "i" ON t (a)')
    'index "i"'
    >>> leaves_out("ALTER TABLE ONLY public.t ADD COLUMN g geometry")
    'a change to table public.t'
    """
    m = _CREATES.match(text)
    if m and m.group(1):
        return f"{m.group(1).lower()} {' '.join(m.group(2).split())}"
    if m:
        return f"a change to {m.group(3).lower()} {' '.join(m.group(4).split())}"
    words = _first_line(text).split()
    return f"the effect of {' '.join(words[:3])}" if words else "nothing"


def _name_of(leaves: str) -> str:
    """The bare object name (no schema, no quotes) of a :func:`leaves_out` text."""
    words = leaves.split()
    return words[-1].split(".")[-1].strip('"').lower() if words else ""


def _explain(r: Refused, refused: Sequence[Refused], empty: Sequence[str], texts: Sequence[str]) -> Refused:
    """Why PostgreSQL refused it: it needs what an earlier refused statement would have made, or what no file
    of the folder creates, or an extension that is only an empty stand-in here, or (otherwise) PostgreSQL's
    own error class."""
    missing = _MISSING.search(r.error)
    if missing:
        wanted = missing.group(1).split(".")[-1].lower()
        for earlier in refused:
            if earlier is r:
                break
            creates = not earlier.leaves_out.startswith(("a change", "the effect"))
            if creates and _name_of(earlier.leaves_out) == wanted:
                return _with(r, f"needs {earlier.leaves_out}, refused at {earlier.file}:{earlier.line}")
        if empty:
            return _with(r, f"needs what extension {' or '.join(empty)} would create (an empty stand-in here)")
        if not _created_anywhere(wanted, texts):
            return _with(r, f"needs {missing.group(1)}, which no file of the folder creates (the history starts "
                            "from a schema it does not contain)")
    if empty and r.sqlstate in ("42883", "42704", "42P01", "3F000"):
        return _with(r, f"needs what extension {' or '.join(empty)} would create (an empty stand-in here)")
    return _with(r, f"PostgreSQL error {r.sqlstate} ({_CLASSES.get(r.sqlstate[:2], 'other')})")


def _created_anywhere(name: str, texts: Sequence[str]) -> bool:
    pattern = re.compile(r"(?is)\bcreate\s+(?:or\s+replace\s+)?(?:unique\s+|materialized\s+|unlogged\s+)*"
                         r"(?:table|type|view|function|schema|sequence|domain|index)\s+(?:if\s+not\s+exists\s+)?"
                         r"(?:\"?[\w$]+\"?\s*\.\s*)?\"?" + re.escape(name) + r"\"?(?:\W|$)")
    return any(pattern.search(t) for t in texts)


_CLASSES = {"42": "syntax error or access rule violation", "0A": "feature not supported", "23": "constraint violation",
            "22": "data exception", "25": "invalid transaction state", "P0": "raised by PL/pgSQL",
            "55": "object not in prerequisite state", "3F": "invalid schema name", "2B": "dependent objects"}


def _with(r: Refused, cause: str) -> Refused:
    return Refused(r.file, r.line, r.statement, r.error, r.sqlstate, r.leaves_out, cause)


def apply_more(conn: psycopg.Connection, done: Build, text: str, name: str) -> Build:
    """Apply one more text (seed rows) to a built database the same way, in one transaction, statement by
    statement; ``done`` with its statements and refusals added."""
    state = _State(conn)
    state.apply_file(name, text, True)
    refused = tuple(_explain(r, (*done.refused, *state.refused), (), [text]) for r in state.refused)
    return replace(done, statements=done.statements + state.statements, applied=done.applied + state.applied,
                   refused=done.refused + refused, notes=done.notes + tuple(state.notes))


@dataclass
class Built:
    """A throwaway database built from the files: its name, an autocommit connection to it, the
    :class:`Build`, and the baseline taken after the platform and runner objects, before the files."""

    name: str
    conn: psycopg.Connection
    build: Build
    baseline: Any


@contextmanager
def throwaway(srv: postgres.Server, files: Sequence[MigrationFile], folder: str | Path, *,
              platform: str | None = None, runner: str | None = None,
              manifest: str | Path | None = None,
              observe: Callable[[psycopg.Connection, str, Any, bool | None], Any] | None = None) -> Iterator[Built]:
    """A fresh database on ``srv`` built from ``files`` (:func:`build`), dropped afterwards. The platform is
    ``platform``, else the manifest's ``platform:``, else detected."""
    from schemalens.db import live

    if platform is None and manifest is not None:
        from schemalens.read.manifest import load_manifest

        platform = load_manifest(manifest).platform
    name = srv.create_database()
    try:
        with srv.connect(name, autocommit=True) as conn:
            bases: list[Any] = []
            made = build(conn, files, folder, platform=platform, runner=runner, server=srv,
                         prepared=lambda c: bases.append(live.baseline(c)), observe=observe)
            yield Built(name, conn, made, bases[0])
    finally:
        srv.drop_database(name)


__all__ = ["EXIT_PARTIAL", "STANDIN_EXTENSIONS", "Build", "Built", "Refused", "apply_more", "build", "detect",
           "extensions_wanted", "install_platform", "leaves_out", "prepare_extensions", "throwaway"]
