"""An option's scripts on generated volume: how long each lock that blocks writes is held at N rows.

A rehearsal runs on a few rows, where every statement is instant: a ``SET NOT NULL`` that scans the table,
a foreign key validated in the same transaction or an index built without ``CONCURRENTLY`` look as cheap
as a catalog change. :func:`measure` builds the migrations on a fresh database, takes the project's rows
(its seed, or :func:`schemalens.decide.rowgen.generate_rows` without the edge rows) and copies them until
every table the option touches (:func:`touched`) holds about ``rows`` rows (:func:`multiply`; columns the
option makes unique get distinct values, :func:`will_be_unique`; a table it touches that the seed left empty
gets generated rows first), runs ``ANALYZE``, then the option's forward scripts statement by statement
(:func:`schemalens.db.concurrent.run`, no second session): every lock that blocks writes (SHARE and
stronger), from the statement that took it to the commit. With ``down`` the rollback runs after, timed as a whole (one transaction: its locks are held for
all of it).

:func:`multiply` copies every existing row of a table ``G`` times in one ``INSERT … SELECT … CROSS JOIN
generate_series(1, G)`` (whole copies: the table ends with ``rows`` rows or up to one copy more). A copy's
unique columns (of a unique index or primary key, not a foreign key) get a new value derived from the old
one and the copy number ``g``: ``uuid`` ``md5(old || ':' || g)``, integers ``old + g × stride`` (one stride
for all tables, above every key value), text ``'x' || g || '-' || old``. The same old value gives the same
new one in every table, so a key that two multiplied tables share without a foreign key (``users.id`` and
``auth.users.id``) still matches. Other columns, foreign keys included, keep the copied values: a copy
names its original's parent, and every path the options map rows by (a user to an agency) holds for the
copies as for the originals. A unique index with no column of its own that can change (a one-to-one table
whose key is its parent's) multiplies the parent too, with at least as many copies, and its key takes the
parent's copy ``1 + (g - 1) % G`` (``G`` the parent's copies). The table's own
triggers are disabled while it is filled (a trigger would write rows of other tables) and enabled again; the
foreign keys and checks are enforced. A table PostgreSQL refuses to fill is listed with its reason
(:attr:`Filled.refused`), never dropped silently; identity and serial sequences are moved past the copies.

It writes only to the throwaway database it creates, and drops it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from schemalens.core.errors import ApplyError
from schemalens.core.names import qualify
from schemalens.db import concurrent, postgres
from schemalens.db.autocommit import apply_script
from schemalens.db.concurrent import STRONG
from schemalens.db.rehearse import created_tables, prepared, run_check
from schemalens.decide.decisions import Option
from schemalens.decide.rowgen import generate_rows
from schemalens.decide.sqlgen import ident, short, table

ROWS = 100_000  # rows per touched table, the benchmark's default
OPTION_UNIQUE = "unique once the option runs"  # a unique key the option adds (:func:`will_be_unique`)

_TABLE = """
SELECT c.oid, n.nspname || '.' || c.relname, c.reltuples
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass(%s) AND c.relkind IN ('r', 'p')"""
_COLUMNS = """
SELECT a.attnum, a.attname, t.typname, a.attidentity <> '' OR a.attgenerated <> '', a.attgenerated <> '',
       pg_catalog.pg_get_serial_sequence(%s, a.attname) IS NOT NULL OR a.attidentity <> ''
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"""
_UNIQUE = """
SELECT i.indkey::int2[], pg_catalog.pg_get_indexdef(i.indexrelid)
FROM pg_catalog.pg_index i WHERE i.indrelid = %s AND i.indisunique"""
_FKS = """
SELECT k.conkey, k.confrelid, k.confkey FROM pg_catalog.pg_constraint k
WHERE k.conrelid = %s AND k.contype = 'f'"""
_PKEY = "SELECT conkey FROM pg_catalog.pg_constraint WHERE conrelid = %s AND contype = 'p'"
_TRIGGERS = """
SELECT t.tgname FROM pg_catalog.pg_trigger t
WHERE t.tgrelid = %s AND NOT t.tgisinternal AND t.tgenabled <> 'D' ORDER BY t.tgname"""

_UNIQUE_INDEX = re.compile(r"(?:CREATE UNIQUE INDEX (?:CONCURRENTLY )?\S+ ON|ALTER TABLE) (\S+) "
                           r"(?:ADD CONSTRAINT \S+ UNIQUE )?\(([^)]*)\)")
_CREATE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?([^\s(]+)")
_INTEGERS = ("int2", "int4", "int8")
_TEXT = ("text", "varchar", "bpchar", "citext")


@dataclass(frozen=True)
class _Column:
    num: int
    name: str
    type: str
    written: bool  # identity or generated: left out unless it is a key (identity)
    generated: bool
    sequence: bool  # identity or serial: moved past the copies

    @property
    def changeable(self) -> bool:
        return self.type == "uuid" or self.type in _INTEGERS or self.type in _TEXT


@dataclass
class _Table:
    oid: int
    name: str
    columns: dict[int, _Column]
    unique: list[tuple[set[int], str]]  # columns of each unique index (expression columns by name)
    fks: list[tuple[list[int], int, list[int]]]  # (columns, parent oid, parent columns)
    pkey: list[int]
    rows: int = 0
    copies: int = 0


@dataclass(frozen=True)
class Filled:
    """What :func:`multiply` did: rows per table after it, the stride of integer keys, the tables refused."""

    rows: tuple[tuple[str, int], ...] = ()
    refused: tuple[str, ...] = ()  # "table: PostgreSQL's reason"
    seconds: float = 0.0
    distinct: tuple[str, ...] = ()  # "table.column: n" rows given their own value in a column the option makes unique

    def describe(self) -> str:
        text = ", ".join(f"{short(t)} {n:,}" for t, n in self.rows) or "no table"
        if self.distinct:
            text += "; rows given their own value where the option adds a unique key: " + ", ".join(self.distinct)
        return text + ("; not filled: " + "; ".join(self.refused) if self.refused else "")


@dataclass(frozen=True)
class Measured:
    """One option on volume: the rows, the forward run (locks held, script durations), the rollback."""

    option: Option = field(repr=False)
    filled: Filled
    run: concurrent.Run | None = field(default=None, repr=False)
    down_seconds: float | None = None
    down_locks: tuple[str, ...] = ()  # "MODE on table" that blocks writes, held for the whole down.sql
    error: str = ""  # a script that failed, or the build

    def longest(self) -> concurrent.Held | None:
        """The longest hold of a lock that blocks writes on a table others use: a table the option creates is
        left out in the script that creates it (one transaction: no other session sees it before the commit)."""
        new = {(name, qualify(m.group(1))) for name in self.option.scripts if not self.option.autocommit(name)
               for st in self.option.steps(name) if (m := _CREATE.match(st.sql))}
        held = [h for h in (self.run.held if self.run is not None else ()) if (h.script, h.table) not in new]
        return max(held, key=lambda h: h.seconds) if held else None


def touched(option: Option) -> list[str]:
    """The tables ``option``'s forward scripts lock in any mode (they change them, or read them: a copy, a
    backfill's join, a key's check), in the order the scripts first name them; tables the option creates are
    left out."""
    out: dict[str, None] = {}
    for name in option.scripts:
        if name == "down":
            continue
        for st in option.steps(name):
            for lk in st.locks:
                if lk.table not in option.creates:
                    out.setdefault(lk.table)
    return list(out)


def will_be_unique(option: Option) -> list[tuple[str, tuple[str, ...]]]:
    """``(table, columns)`` of each unique index ``option`` builds on an existing table: rows the option accepts
    hold distinct values there, so :func:`multiply` gives each copy its own (else its preflight ``duplicates``
    refuses the option and nothing is measured)."""
    out = []
    for name in option.scripts:
        for st in option.steps(name):
            m = _UNIQUE_INDEX.match(st.sql)
            if m and qualify(m.group(1)) not in option.creates:
                out.append((qualify(m.group(1)), tuple(c.strip().strip('"') for c in m.group(2).split(","))))
    return out


def _read(conn: psycopg.Connection, name: str, extra: Sequence[tuple[str, Sequence[str]]] = ()) -> _Table | None:
    row = conn.execute(_TABLE, (table(name),)).fetchone()
    if row is None:
        return None
    oid, qualified, _ = row
    cols = {num: _Column(num, n, typ, written, gen, seq)
            for num, n, typ, written, gen, seq in conn.execute(_COLUMNS, (table(qualified), oid))}
    unique = []
    for keys, definition in conn.execute(_UNIQUE, (oid,)):
        nums = {k for k in keys if k > 0}
        if 0 in keys:  # an expression: the columns it names
            inside = definition[definition.find("(") + 1:]
            nums |= {c.num for c in cols.values() if c.name in inside or ident(c.name) in inside}
        unique.append((nums, definition))
    by_name = {c.name: c.num for c in cols.values()}
    unique += [({by_name[c] for c in names}, OPTION_UNIQUE) for t, names in extra
               if t == qualified and all(c in by_name for c in names)]
    fks = [(list(k), parent, list(pk)) for k, parent, pk in conn.execute(_FKS, (oid,))]
    pkey = conn.execute(_PKEY, (oid,)).fetchone()
    n = conn.execute(f"SELECT count(*) FROM {table(qualified)}").fetchone()[0]
    return _Table(oid, qualified, cols, unique, fks, list(pkey[0]) if pkey else [], n)


def _plan(conn: psycopg.Connection, names: Iterable[str], rows: int, extra: Sequence[tuple[str, Sequence[str]]] = ()
          ) -> tuple[dict[int, _Table], list[str]]:
    """The tables to multiply (``names`` and the parents their unique keys need), with their copies."""
    tables: dict[int, _Table] = {}
    missing: list[str] = []
    queue = [(n, 0) for n in names]
    while queue:
        name, at_least = queue.pop(0)
        t = _read(conn, name, extra)
        if t is None:
            missing.append(str(name))
            continue
        if t.oid in tables:
            t = tables[t.oid]
        else:
            tables[t.oid] = t
            t.copies = -(-rows // t.rows) - 1 if t.rows else 0
        t.copies = max(t.copies, at_least)
        fk_cols = {c for k, _, _ in t.fks for c in k}
        for nums, _ in t.unique:
            if any(t.columns[c].changeable and c not in fk_cols for c in nums if c in t.columns):
                continue  # a column of its own makes each copy unique
            for k, parent, _ in t.fks:
                if set(k) & nums:
                    name_ = conn.execute("SELECT %s::regclass::text", (parent,)).fetchone()[0]
                    known = tables.get(parent)
                    if known is None or known.copies < t.copies:
                        queue.append((name_, t.copies))
    _shared_keys(conn, tables)
    return tables, missing


def _key(t: _Table) -> _Column | None:
    """The one-column primary key of ``t``, when :func:`multiply` derives its values."""
    col = t.columns.get(t.pkey[0]) if len(t.pkey) == 1 else None
    return col if col is not None and col.changeable else None


def _shared_keys(conn: psycopg.Connection, tables: dict[int, _Table]) -> None:
    """Tables whose keys share values without a foreign key (``users.id`` = ``auth.users.id``) get as many
    copies as each other, so every copy still finds its counterpart (the keys derive alike)."""
    keyed = [(t, c) for t in tables.values() if (c := _key(t)) is not None]
    for i, (a, ca) in enumerate(keyed):
        for b, cb in keyed[i + 1:]:
            if ca.type != cb.type or a.copies == b.copies:
                continue
            if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table(a.name)} AS a JOIN {table(b.name)} AS b "
                            f"ON a.{ident(ca.name)} = b.{ident(cb.name)})").fetchone()[0]:
                a.copies = b.copies = max(a.copies, b.copies)


def _order(tables: dict[int, _Table]) -> list[_Table]:
    out: list[_Table] = []
    seen: set[int] = set()

    def visit(oid: int, path: frozenset[int]) -> None:
        if oid in seen or oid in path:
            return
        for _, parent, _ in tables[oid].fks:
            if parent in tables and parent != oid:
                visit(parent, path | {oid})
        seen.add(oid)
        out.append(tables[oid])

    for oid in sorted(tables):
        visit(oid, frozenset())
    return out


def _changed(col: _Column, source: str, g: str, stride: int) -> str:
    if col.type == "uuid":
        return f"md5({source}::text || ':' || {g})::uuid"
    if col.type in _INTEGERS:
        return f"{source} + {g}::bigint * {stride}"
    return f"'x' || {g} || '-' || {source}"


def _stride(conn: psycopg.Connection, tables: Sequence[_Table]) -> int:
    """A power of ten above every integer key value of ``tables`` (at least 1,000)."""
    top = 0
    for t in tables:
        keys = {c for nums, _ in t.unique for c in nums} | {c for k, _, _ in t.fks for c in k}
        for c in sorted(keys):
            col = t.columns.get(c)
            if col is not None and col.type in _INTEGERS:
                found = conn.execute(f"SELECT max(abs({ident(col.name)}::bigint)) FROM {table(t.name)}").fetchone()[0]
                top = max(top, found or 0)
    return max(1000, 10 ** len(str(top)))


def _insert(t: _Table, tables: dict[int, _Table], done: set[int], stride: int) -> str:
    fk_cols = {c for k, _, _ in t.fks for c in k}
    free = {c for nums, _ in t.unique for c in nums if c in t.columns and t.columns[c].changeable
            and c not in fk_cols and not t.columns[c].generated}
    # a unique index with no column of its own: its keys take the parent's copy 1 + (g - 1) % its copies
    bound = {c for nums, _ in t.unique if not nums & free for c in nums}
    derived = {c: _changed(t.columns[c], f"s.{ident(t.columns[c].name)}", "g", stride) for c in free}
    for k, parent, _ in t.fks:  # other keys keep their value: the copies name the copied rows' parents
        p = tables.get(parent)
        if p is None or parent not in done or not p.copies or not set(k) & bound:
            continue
        g = f"(1 + (g - 1) % {p.copies})"
        for c in k:
            if t.columns[c].changeable:
                derived[c] = _changed(t.columns[c], f"s.{ident(t.columns[c].name)}", g, stride)
    cols = [c for c in t.columns.values() if not c.generated and (not c.written or c.num in derived)]
    listed = ", ".join(ident(c.name) for c in cols)
    values = ", ".join(derived.get(c.num, f"s.{ident(c.name)}") for c in cols)
    overriding = " OVERRIDING SYSTEM VALUE" if any(c.written and not c.generated for c in cols) else ""
    return (f"INSERT INTO {table(t.name)} ({listed}){overriding}\nSELECT {values}\n"
            f"FROM {table(t.name)} AS s CROSS JOIN generate_series(1, {t.copies}) AS g")


def multiply(conn: psycopg.Connection, names: Iterable[str], rows: int = ROWS,
             unique: Sequence[tuple[str, Sequence[str]]] = ()) -> Filled:
    """Copy the rows of the tables ``names`` (``schema.table``; the ones that do not exist are skipped) until
    each holds about ``rows`` rows, then ``ANALYZE`` them (see the module docstring); ``unique``: ``(table,
    columns)`` to treat as a unique key too (:func:`will_be_unique`). ``conn`` is in autocommit; each table is
    filled in its own transaction."""
    t0 = time.perf_counter()
    tables, _ = _plan(conn, names, rows, unique)
    ordered = _order(tables)
    stride = _stride(conn, ordered)
    done: set[int] = set()
    refused: list[str] = []
    distinct: list[str] = []
    for t in ordered:
        if t.copies <= 0:
            if t.rows == 0:
                refused.append(f"{short(t.name)}: no row to copy")
            done.add(t.oid)
            continue
        distinct += _distinct(conn, t)
        triggers = [r[0] for r in conn.execute(_TRIGGERS, (t.oid,))]
        try:
            with conn.transaction():
                for trg in triggers:
                    conn.execute(f"ALTER TABLE {table(t.name)} DISABLE TRIGGER {ident(trg)}")
                conn.execute(_insert(t, tables, done, stride))
                for c in t.columns.values():
                    if c.sequence:
                        conn.execute(f"SELECT setval(pg_catalog.pg_get_serial_sequence(%s, %s), "
                                     f"(SELECT max({ident(c.name)}) FROM {table(t.name)}))", (table(t.name), c.name))
                for trg in triggers:
                    conn.execute(f"ALTER TABLE {table(t.name)} ENABLE TRIGGER {ident(trg)}")
            done.add(t.oid)
        except psycopg.Error as e:
            refused.append(f"{short(t.name)}: {' '.join(str(e.diag.message_primary or e).split())}")
            t.copies = 0
            done.add(t.oid)
    counts = []
    for t in ordered:
        conn.execute(f"ANALYZE {table(t.name)}")
        counts.append((t.name, conn.execute(f"SELECT count(*) FROM {table(t.name)}").fetchone()[0]))
    return Filled(tuple(counts), tuple(refused), time.perf_counter() - t0, tuple(distinct))


def _distinct(conn: psycopg.Connection, t: _Table) -> list[str]:
    """Rows that share a value in a column the option makes unique (:func:`will_be_unique`; generated rows may)
    get their own (``'d' || n || '-' || old``, ``md5(old || ':d' || n)``: never a copy's), so the option runs."""
    out = []
    for nums, label in t.unique:
        if label != OPTION_UNIQUE or len(nums) != 1:
            continue
        col = t.columns[next(iter(nums))]
        if col.type not in _TEXT and col.type != "uuid":
            continue
        c = ident(col.name)
        new = f"'d' || r.n || '-' || s.{c}" if col.type in _TEXT else f"md5(s.{c}::text || ':d' || r.n)::uuid"
        n = conn.execute(
            f"UPDATE {table(t.name)} AS s SET {c} = {new} FROM (SELECT ctid, row_number() OVER (PARTITION BY {c} "
            f"ORDER BY ctid) - 1 AS n FROM {table(t.name)} WHERE {c} IS NOT NULL) AS r "
            "WHERE s.ctid = r.ctid AND r.n > 0").rowcount
        if n:
            out.append(f"{short(t.name)}.{col.name}: {n}")
    return out


def measure(srv: postgres.Server, files: Sequence[Any], folder: str | Path, seed: Path | None, option: Option,
            rows: int = ROWS, down: bool = False, before: str = "", **build: Any) -> Measured:
    """``option`` on a fresh database of ``srv`` with the migrations, the seed (or generated rows without edge
    rows), the statements ``before`` (e.g. rows the option's preflight would refuse, deleted) and every table it
    touches multiplied to ``rows``; its forward scripts run and timed; with ``down``, then ``down.sql``."""
    with prepared(srv, files, folder, seed, **build) as (conn, base):
        if seed is None:
            generate_rows(conn, created_tables(conn, base), edge_rows=False)
        if before:
            conn.execute(before)
        empty = [t.oid for name in touched(option) if (t := _read(conn, name)) is not None and not t.rows]
        if empty:  # a table the seed left empty: generated rows to copy
            generate_rows(conn, empty, edge_rows=False)
        filled = multiply(conn, touched(option), rows, will_be_unique(option))
        r = concurrent.run(conn, None, option)
        if r.error:  # the preflights that would have refused the option on these rows
            failed = r.error.split(".sql:")[0]
            refused = [f"{c.name} ({c.when}) lists {n} rows" for c in option.checks
                       if c.blocking and c.when == f"before {failed}" for n in [run_check(conn, c).rows] if n]
            return Measured(option, filled, r, error=r.error + (
                "; preflight " + "; ".join(refused) if refused else ""))
        if not down:
            return Measured(option, filled, r)
        locks = tuple(sorted({f"{lk.mode} on {short(lk.table)}" for st in option.down for lk in st.locks
                              if lk.mode in STRONG}))
        t1 = time.perf_counter()
        try:
            apply_script(conn, option, "down")
        except (ApplyError, psycopg.Error) as e:  # an ApplyError names the script and line
            return Measured(option, filled, r, None, locks, f"down.sql: {e}")
        return Measured(option, filled, r, time.perf_counter() - t1, locks)


__all__ = ["ROWS", "Filled", "Measured", "measure", "multiply", "touched", "will_be_unique"]
