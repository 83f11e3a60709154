"""Statements that must run outside a transaction: batched backfills and ``CREATE INDEX CONCURRENTLY``.

A big table cannot take an option as one transaction: an ``UPDATE`` of every row holds its row locks
(and, with triggers paused by ``ALTER TABLE … DISABLE TRIGGER``, SHARE ROW EXCLUSIVE) until the commit,
and ``CREATE INDEX`` holds SHARE (writes wait) until the index is built. The builders here write the
expand/contract forms instead; each :class:`~schemalens.decide.sqlgen.Step` they return has ``outside`` set,
so the script that holds it runs in autocommit, statement by statement (:meth:`Option.script
<schemalens.decide.decisions.Option.script>` says so in its header, and the rehearsal runs it so):

* :func:`batched_update`: a ``DO`` block that walks the table by primary key, ``BATCH`` rows at a time,
  and commits after each batch: ROW EXCLUSIVE and the row locks of one batch only. The table's triggers
  are not disabled (a trigger disabled between committed batches would let the application's writes
  bypass it); the backfill's own transactions run with ``session_replication_role = replica``
  (``SET LOCAL``: each batch's transaction only), so ordinary triggers do not fire for the rows it
  writes, while every other session's writes fire them as always. That needs a role allowed to set it (a
  superuser; ``GRANT SET ON PARAMETER session_replication_role``, PostgreSQL 15+; on Supabase the
  ``postgres`` role, which supautils lets set it, but only as a ``SET`` command, not through
  ``set_config()``: hence ``SET LOCAL``); without it the first batch fails before it writes a row. The foreign-key check is a trigger too: the keys written
  are checked by ``VALIDATE CONSTRAINT`` afterwards. Run again after an interruption, it writes only the
  rows whose value still differs.
* :func:`create_index_concurrently` / :func:`drop_index_concurrently`: SHARE UPDATE EXCLUSIVE (reads and
  writes go on). A build that fails or is cancelled leaves an INVALID index behind:
  :func:`invalid_index_check` lists it, and the retry is ``DROP INDEX CONCURRENTLY`` then the script again.

Phases are always used, whatever the table's size: on a small table a batch is the whole table and the
concurrent build is as quick as the plain one, so the phased form costs nothing there; the
:func:`volume_check` preflight shows ``reltuples`` (PostgreSQL's estimate) so a reader sees which tables
the phases matter for (``LARGE`` rows and more).

>>> print(create_index_concurrently("t_a_idx", "public.t", ["a"]).sql)
CREATE INDEX CONCURRENTLY t_a_idx ON public.t (a);
>>> create_index_concurrently("t_a_idx", "public.t", ["a"]).outside
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from schemalens.core.names import dollar_quote, md_code, qualify
from schemalens.decide.decisions import Check, Option
from schemalens.decide.sqlgen import (
    ACCESS_EXCLUSIVE,
    ACCESS_SHARE,
    LOCK_MODES,
    ROW_EXCLUSIVE,
    SHARE,
    SHARE_UPDATE_EXCLUSIVE,
    Step,
    ident,
    idents,
    literal,
    lock_up_front,
    short,
    step,
    table,
)

BATCH = 10_000  # rows per backfill transaction
LARGE = 100_000  # rows from which a table is large (the preflight's volume check says which are)


def outside(s: Step) -> Step:
    """``s`` marked to run outside a transaction (its script runs in autocommit)."""
    return replace(s, outside=True)


def batched_update(name: str, key: str, assignment: str, source: str, condition: str,
                   locks: Sequence[tuple[str, str]] = (), note: str = "", batch: int = BATCH) -> Step:
    """``UPDATE name AS t SET assignment FROM source WHERE condition``, ``batch`` rows of ``name`` at a time by
    its primary key ``key`` (one column), each batch committed (see the module docstring). ``source`` may be
    empty (no ``FROM``); ``condition`` should make a row already written not match again."""
    k, tbl = ident(key), table(name)
    frm = f"\n      FROM {source.replace(chr(10), chr(10) + '      ')}" if source else ""
    body = (
        f"\nDECLARE\n  lo {tbl}.{k}%TYPE;\n  hi {tbl}.{k}%TYPE;\nBEGIN\n"
        f"  SELECT {k} INTO lo FROM {tbl} ORDER BY {k} LIMIT 1;\n"
        "  WHILE lo IS NOT NULL LOOP\n"
        "    -- this batch's transaction only: the table's triggers do not fire for the rows written here\n"
        "    SET LOCAL session_replication_role = replica;\n"
        f"    SELECT b.{k} INTO hi FROM (SELECT {k} FROM {tbl} WHERE {k} >= lo ORDER BY {k} LIMIT {int(batch)})"
        f" AS b ORDER BY b.{k} DESC LIMIT 1;\n"
        f"    UPDATE {tbl} AS t\n      SET {assignment}{frm}\n      WHERE t.{k} BETWEEN lo AND hi\n"
        f"        AND {condition.replace(chr(10), chr(10) + '        ')};\n"
        "    COMMIT;\n"
        f"    SELECT {k} INTO lo FROM {tbl} WHERE {k} > hi ORDER BY {k} LIMIT 1;  -- NULL after the last\n"
        "  END LOOP;\nEND\n"
    )
    s = step("DO " + dollar_quote(body, "backfill"), (name, ROW_EXCLUSIVE), *locks,
             note=note or f"backfill {short(name)}, {batch} rows per transaction")
    return outside(s)


def create_index_concurrently(index: str, name: str, columns: Sequence[str], unique: bool = False) -> Step:
    """``CREATE [UNIQUE] INDEX CONCURRENTLY``: SHARE UPDATE EXCLUSIVE on the table (reads and writes go on)."""
    kind = "UNIQUE INDEX" if unique else "INDEX"
    return outside(step(f"CREATE {kind} CONCURRENTLY {ident(index)} ON {table(name)} ({idents(columns)})",
                        (name, SHARE_UPDATE_EXCLUSIVE),
                        note=f"{'unique ' if unique else ''}index {short(name)} ({', '.join(columns)}) without "
                             "blocking writes"))


def drop_index_concurrently(index: str, name: str) -> Step:
    """``DROP INDEX CONCURRENTLY IF EXISTS`` an index on table ``name`` (same schema): SHARE UPDATE EXCLUSIVE
    on the table; ``IF EXISTS``: a rollback after an interrupted index.sql still runs."""
    return outside(step(f"DROP INDEX CONCURRENTLY IF EXISTS {_index(index, name)}", (name, SHARE_UPDATE_EXCLUSIVE),
                        note=f"drop index {index} without blocking reads or writes"))


def _index(index: str, name: str) -> str:
    return table(qualify(name).split(".")[0] + "." + index)


def invalid_index_check(indexes: Sequence[tuple[str, str]], script: str) -> Check:
    """A blocking check: an index of ``indexes`` (``(index, table)``) left INVALID by a build of ``script``
    that failed or was cancelled."""
    names = ", ".join(f"({literal(_index(i, t))})" for i, t in indexes)
    first = _index(*indexes[0])
    return Check(
        "invalid-index",
        "SELECT i.indexrelid::regclass AS index_name FROM pg_catalog.pg_index AS i\n"
        f"WHERE NOT i.indisvalid AND i.indexrelid IN (SELECT to_regclass(n) FROM (VALUES {names})"
        " AS v(n))",
        f"An index left INVALID by a run of {script}.sql that failed or was cancelled: it slows every write and serves "
        f"no query, and {script}.sql would fail on its name. Drop it without blocking writes "
        f"({md_code(f'DROP INDEX CONCURRENTLY {first};')} for the first) and run {script}.sql again.",
        when=f"before {script}",
        blocking=True,
    )


def volume_check(tables: Sequence[str]) -> Check:
    """Information: each table's estimated rows (``reltuples``; -1: never analysed) and whether it is large."""
    names = ", ".join(f"({literal(table(t))})" for t in dict.fromkeys(tables))
    return Check(
        "volume",
        "SELECT v.n AS table_name, c.reltuples::bigint AS estimated_rows,\n"
        f"  c.reltuples >= {LARGE} AS large\nFROM (VALUES {names}) AS v(n)\n"
        "JOIN pg_catalog.pg_class AS c ON c.oid = to_regclass(v.n)",
        f"PostgreSQL's estimate of each table's rows (-1: never analysed). The scripts are phased whatever the "
        f"size: backfills commit every {BATCH:,} rows and indexes are built CONCURRENTLY; on a large table "
        f"({LARGE:,} rows or more) that is what keeps writes going.",
    )


def rollback_up_front(option: Option) -> Option:
    """``option`` with every lock its ``down.sql`` takes that blocks writes (SHARE and stronger) taken first, in
    the order the script first needs them, 200 ms per attempt (:func:`schemalens.decide.sqlgen.lock_up_front`), when
    one of them is ACCESS EXCLUSIVE: a rollback that drops a foreign key to ``auth.users`` or ``clients``
    then never queues in front of their readers for the whole ``lock_timeout``, only 200 ms at a time.
    Unchanged when the script renames, moves or creates a table (a name it locks would not exist yet), runs in
    autocommit, or already locks up front."""
    down = option.down
    if not down or option.autocommit("down") or any(
            s.note.startswith("take every lock up front") or re.search(r"RENAME TO|SET SCHEMA|^CREATE TABLE", s.sql)
            for s in down):
        return option
    modes: dict[str, str] = {}
    for s in down:
        for lk in s.locks:
            if LOCK_MODES.index(lk.mode) >= LOCK_MODES.index(SHARE) and LOCK_MODES.index(lk.mode) > LOCK_MODES.index(
                    modes.get(lk.table, ACCESS_SHARE)):
                modes[lk.table] = lk.mode
    if ACCESS_EXCLUSIVE not in modes.values():
        return option
    return replace(option, down=(lock_up_front(list(modes.items())), *down))


__all__ = ["BATCH", "LARGE", "batched_update", "create_index_concurrently", "drop_index_concurrently",
           "invalid_index_check", "outside", "rollback_up_front", "volume_check"]
