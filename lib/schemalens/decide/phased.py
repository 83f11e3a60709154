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

from collections.abc import Sequence
from dataclasses import replace

from schemalens.core.names import dollar_quote, md_code, md_name, qualify
from schemalens.decide.decisions import Check, Option, Risk
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
    replica = ("    -- this batch's transaction only: the table's triggers do not fire for the rows written here\n"
               "    SET LOCAL session_replication_role = replica;\n")
    work = (f"    UPDATE {tbl} AS t\n      SET {assignment}{frm}\n      WHERE t.{k} BETWEEN lo AND hi\n"
            f"        AND {condition.replace(chr(10), chr(10) + '        ')};\n")
    s = step(batches(name, key, work, batch, "backfill", before=replica), (name, ROW_EXCLUSIVE), *locks,
             note=note or f"backfill {short(name)}, {batch} rows per transaction")
    return outside(s)


def batches(name: str, key: str, work: str, batch: int = BATCH, tag: str = "batches", before: str = "") -> str:
    """A ``DO`` block walking table ``name`` by its primary key ``key`` (one column), ``batch`` rows at a time:
    ``before`` then the ``work`` statements (indented lines, for the rows whose key is ``BETWEEN lo AND hi``),
    then a commit, per batch."""
    k, tbl = ident(key), table(name)
    body = (
        f"\nDECLARE\n  lo {tbl}.{k}%TYPE;\n  hi {tbl}.{k}%TYPE;\nBEGIN\n"
        f"  SELECT {k} INTO lo FROM {tbl} ORDER BY {k} LIMIT 1;\n"
        f"  WHILE lo IS NOT NULL LOOP\n{before}"
        f"    SELECT b.{k} INTO hi FROM (SELECT {k} FROM {tbl} WHERE {k} >= lo ORDER BY {k} LIMIT {int(batch)})"
        f" AS b ORDER BY b.{k} DESC LIMIT 1;\n"
        f"{work}    COMMIT;\n"
        f"    SELECT {k} INTO lo FROM {tbl} WHERE {k} > hi ORDER BY {k} LIMIT 1;  -- NULL after the last\n"
        "  END LOOP;\nEND\n"
    )
    return "DO " + dollar_quote(body, tag)


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


def script_locks(steps: Sequence[Step]) -> list[tuple[str, str]]:
    """``(table, mode)``: each table or view the steps lock in a mode that blocks writes (SHARE and stronger), the
    strongest mode, in the order the steps first need one, each under the name it has before the first step:
    a step after a rename or a move (:attr:`Step.renames <schemalens.decide.sqlgen.Step.renames>`) names the
    table by its new name, traced back here; a table or view the steps create is left out (nobody else sees it
    before the commit).

    >>> from schemalens.decide.sqlgen import drop_view, rename_table, set_schema, rename_column
    >>> script_locks([drop_view("public.agencies"), rename_table("public.tenants", "agencies"),
    ...               rename_column("public.agencies", "a", "b"), set_schema("archive.t", "public")])
    [('public.agencies', 'ACCESS EXCLUSIVE'), ('public.tenants', 'ACCESS EXCLUSIVE'), ('archive.t', 'ACCESS EXCLUSIVE')]
    """
    origin: dict[str, str] = {}  # a name now -> the name at the start ("": created by the steps)
    modes: dict[str, str] = {}
    for s in steps:
        for lk in s.locks:
            start = origin.get(lk.table, lk.table)
            strong = LOCK_MODES.index(lk.mode) >= LOCK_MODES.index(SHARE)
            if start and strong and LOCK_MODES.index(lk.mode) > LOCK_MODES.index(modes.get(start, ACCESS_SHARE)):
                modes[start] = lk.mode
        if s.renames:
            before, after = s.renames
            origin[after] = origin.get(before, before) if before else ""
            if before:
                origin[before] = ""  # the old name is free now: a table that takes it later is another one
    return list(modes.items())


def rollback_up_front(option: Option) -> Option:
    """``option`` with every lock its ``down.sql`` takes that blocks writes (SHARE and stronger) taken first, in
    the order the script first needs them, 200 ms per attempt (:func:`schemalens.decide.sqlgen.lock_up_front`), when
    one of them is ACCESS EXCLUSIVE: a rollback that drops a foreign key to ``auth.users`` or ``clients``
    then never queues in front of their readers for the whole ``lock_timeout``, only 200 ms at a time, and
    never holds one table while it queues for another. Tables and views are locked under the names they have
    when the script starts (:func:`script_locks`: a rename or a move back is traced). The lock risk says so (a
    claim the rehearsal checks: :mod:`schemalens.decide.claims`), also for a script that already locked up front.
    Unchanged when the script runs in autocommit."""
    down = option.down
    if not down or option.autocommit("down"):
        return option
    ahead = next((s for s in down if s.note.startswith("take every lock up front")), None)
    locks = [(lk.table, lk.mode) for lk in ahead.locks] if ahead else script_locks(down)
    if ACCESS_EXCLUSIVE not in dict(locks).values():
        return option
    return replace(option, down=down if ahead else (lock_up_front(locks), *down),
                   risks=_down_claim(option.risks, locks))


def _down_claim(risks: Sequence[Risk], locks: Sequence[tuple[str, str]]) -> tuple[Risk, ...]:
    """The lock risk with what down.sql takes up front (checked against the rehearsal: decide.claims), unless it
    already speaks of down.sql."""
    by_mode: dict[str, list[str]] = {}
    for t, mode in locks:
        by_mode.setdefault(mode, []).append(md_name(t))
    said = " and ".join(f"{mode} on {', '.join(names)}" for mode, names in sorted(
        by_mode.items(), key=lambda x: -LOCK_MODES.index(x[0])))
    sentence = (f"down.sql: {said} until COMMIT, all taken by its first statement in that order (each attempt "
                "waits 200 ms at most, then lets go and retries, 10 attempts).")
    out, done = [], False
    for r in risks:
        if r.kind == "lock" and not done:
            done = True
            if "down.sql" not in r.text:
                text = r.text.strip()
                r = Risk("lock", sentence if text in ("", "None.") else f"{text} {sentence}")
        out.append(r)
    return tuple(out) if done else (*out, Risk("lock", sentence))


__all__ = ["BATCH", "LARGE", "batched_update", "batches", "create_index_concurrently", "drop_index_concurrently",
           "invalid_index_check", "outside", "rollback_up_front", "script_locks", "volume_check"]
