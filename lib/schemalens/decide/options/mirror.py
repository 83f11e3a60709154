"""Option D of ``scope-mismatch`` as expand/contract phases: the old tables keep taking writes while their rows
are copied, and are held only for catalog changes.

* up.sql (one transaction): the new table, and on each old table a trigger that mirrors every insert, update,
  delete and truncate into it (:func:`mirror_steps`: the owner mapped to its entity exactly as the copy maps it;
  a row that cannot be mapped is refused, as the guard refuses it). Installing a trigger takes SHARE ROW
  EXCLUSIVE on the old table for the catalog change only.
* copy.sql (autocommit, :func:`batched_copy`): the existing rows, ``BATCH`` at a time by primary key, each batch
  its own transaction. A batch reads its rows ``FOR SHARE`` (a row deleted or changed meanwhile is read as it is
  now, or skipped) and inserts ``ON CONFLICT DO NOTHING``: a row the trigger wrote first wins (it is the newer
  or the same). Run again after an interruption, it copies only what is missing.
* switch.sql (one transaction, :func:`verify_step` then the locks): one query checks, in one snapshot, that every
  old row has its equal copy and no copy outlives its row (reads only: writes go on, and the triggers keep the
  two equal from then on); then ACCESS EXCLUSIVE on the old tables, taken up front with retries, only to drop
  the triggers and move the tables, and a trigger on the new table that deletes the archived row of each row
  deleted there (:func:`forget_steps`).
* down.sql (one transaction) then has no row to delete: the archive already lacks every row deleted from the new
  table since the switch (a GDPR delete is not undone), so it takes its locks up front and changes the catalog
  only, whatever the rows (before issue 20's big-table item it deleted those rows itself, under ACCESS EXCLUSIVE
  on the archived tables, ``auth.users`` and the entity: 0.95 s at 100,000 rows per table, growing with them).
"""

from __future__ import annotations

from collections.abc import Sequence

from schemalens.core.names import dollar_quote, fit_name, relation
from schemalens.decide.options.policies import revoke_execute
from schemalens.decide.options.routes import Hop, _joins, _value
from schemalens.decide.phased import BATCH, batches, outside
from schemalens.decide.sqlgen import (
    ACCESS_SHARE,
    ROW_EXCLUSIVE,
    ROW_SHARE,
    SHARE_ROW_EXCLUSIVE,
    Step,
    drop_function,
    drop_trigger,
    ident,
    idents,
    literal,
    short,
    step,
    table,
)


def mirror_name(tbl: str, group: str, suffix: str = "") -> str:
    """The trigger (and, in ``public``, the function) that mirrors ``tbl`` into ``group``; with ``suffix`` the
    name of its truncate trigger (:func:`schemalens.core.names.fit_name`: the two stay apart however long ``tbl``)."""
    return fit_name(f"mirror_{relation(tbl)}", f"_to_{group}{suffix}")


def _columns(col: str, names: Sequence[str]) -> list[str]:
    return [col, "type", *names, "config", "legacy_id"]


def _select(hops: list[Hop], kind: str, names: Sequence[str], dropped: Sequence[str], pk: str, value: str) -> str:
    return ", ".join([value, literal(kind)] + [f"t.{ident(n)}" for n in names]
                     + [f"to_jsonb(t) - ARRAY[{', '.join(literal(n) for n in dropped)}]", f"t.{ident(pk)}"])


def _trigger_function(function: str, body: str, does: str) -> Step:
    """``CREATE FUNCTION function() RETURNS trigger`` (plpgsql ``body``, SECURITY DEFINER, empty search_path)."""
    return step(
        f"CREATE FUNCTION {table(function)}()\nRETURNS trigger\nLANGUAGE plpgsql\nSECURITY DEFINER\n"
        "SET search_path = ''\nAS " + dollar_quote(body, "fn"),
        note=f"function {short(function)}() {does} (SECURITY DEFINER, empty search_path)")


def mirror_steps(unified: str, tbl: str, hops: list[Hop], kind: str, col: str, col_type: str,
                 names: Sequence[str], dropped: Sequence[str], pk: str, group: str) -> tuple[list[Step], list[Step]]:
    """``(up, switch)``: the function and triggers that mirror every write of ``tbl`` into ``unified`` (rows of
    ``type = kind``, keyed by ``legacy_id``), and the steps that drop them."""
    trigger, on_truncate = mirror_name(tbl, group), mirror_name(tbl, group, "_truncate")
    function = f"public.{trigger}"
    said = f"a {short(tbl)} row whose owner cannot be mapped (while {group} is filled from it)"
    update = ", ".join(f"{ident(c)} = EXCLUDED.{ident(c)}" for c in [col, *names, "config"])
    joins = _joins(hops)
    body = (
        f"\nDECLARE\n  target {col_type};\nBEGIN\n"
        "  IF TG_OP = 'TRUNCATE' THEN\n"
        f"    DELETE FROM {table(unified)} WHERE type = {literal(kind)} AND legacy_id IS NOT NULL;\n"
        "    RETURN NULL;\n  END IF;\n"
        f"  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.{ident(pk)} IS DISTINCT FROM NEW.{ident(pk)}) THEN\n"
        f"    DELETE FROM {table(unified)} WHERE type = {literal(kind)} AND legacy_id = OLD.{ident(pk)};\n"
        "  END IF;\n"
        "  IF TG_OP = 'DELETE' THEN\n    RETURN NULL;\n  END IF;\n"
        f"  SELECT {_value(hops)} INTO target FROM (SELECT NEW.*) AS t"
        + (f"\n    {joins.replace(chr(10), chr(10) + '    ')}" if joins else "") + ";\n"
        "  IF target IS NULL THEN\n"
        f"    RAISE EXCEPTION {literal(said.replace('%', '%%'))} USING ERRCODE = 'foreign_key_violation';\n"
        "  END IF;\n"
        f"  INSERT INTO {table(unified)} ({idents(_columns(col, names))})\n"
        f"  SELECT {_select(hops, kind, names, dropped, pk, 'target')}\n  FROM (SELECT NEW.*) AS t\n"
        f"  ON CONFLICT (type, legacy_id) DO UPDATE SET {update};\n"
        "  RETURN NULL;\nEND;\n"
    )
    create = _trigger_function(function, body, f"writing each change of {short(tbl)} into {short(unified)}")
    rows = step(
        f"CREATE TRIGGER {ident(trigger)}\n  AFTER INSERT OR UPDATE OR DELETE ON {table(tbl)}\n"
        f"  FOR EACH ROW EXECUTE FUNCTION {table(function)}()",
        (tbl, SHARE_ROW_EXCLUSIVE), note=f"mirror every insert, update and delete of {short(tbl)} into {group}")
    truncate = step(
        f"CREATE TRIGGER {ident(on_truncate)}\n  AFTER TRUNCATE ON {table(tbl)}\n"
        f"  FOR EACH STATEMENT EXECUTE FUNCTION {table(function)}()",
        (tbl, SHARE_ROW_EXCLUSIVE), note=f"mirror a truncate of {short(tbl)} into {group}")
    switch = [drop_trigger(trigger, tbl), drop_trigger(on_truncate, tbl), drop_function(function)]
    return [create, revoke_execute(function), rows, truncate], switch


def batched_copy(unified: str, tbl: str, hops: list[Hop], kind: str, col: str, names: Sequence[str],
                 dropped: Sequence[str], pk: str, references: Sequence[str] = (), batch: int = BATCH) -> Step:
    """A ``DO`` block (autocommit) copying ``tbl``'s mappable rows into ``unified``, ``batch`` rows per
    transaction by primary key, each batch's rows read ``FOR SHARE``, ``ON CONFLICT DO NOTHING`` (the mirror
    trigger's row wins); ``references``: the tables the new table's foreign keys name (their checks lock the
    parent rows: ROW SHARE)."""
    k, src = ident(pk), table(tbl)
    joins = _joins(hops)
    work = (
        f"    INSERT INTO {table(unified)} ({idents(_columns(col, names))})\n"
        f"    SELECT {_select(hops, kind, names, dropped, pk, _value(hops))}\n    FROM {src} AS t\n"
        + (f"    {joins.replace(chr(10), chr(10) + '    ')}\n" if joins else "")
        + f"    WHERE t.{k} BETWEEN lo AND hi AND {_value(hops)} IS NOT NULL\n"
        "    FOR SHARE OF t  -- as it is now: a row deleted or changed since the batch began is skipped or read anew\n"
        "    ON CONFLICT (type, legacy_id) DO NOTHING;  -- the mirror trigger wrote it: that row is as new or newer\n"
    )
    return outside(step(batches(tbl, pk, work, batch, "copy"), (unified, ROW_EXCLUSIVE), (tbl, ROW_SHARE),
                        *[(h.ref, ACCESS_SHARE) for h in hops[:-1]], *[(r, ROW_SHARE) for r in references],
                        note=f"copy the rows of {short(tbl)} into {short(unified)}, {batch} per transaction"))


def forget_name(group: str, suffix: str = "") -> str:
    """The trigger on the new table (and, in ``public``, its function) that deletes archived rows; with ``suffix``
    the name of its truncate trigger (see :func:`mirror_name`)."""
    return fit_name(f"forget_archived_{group}", suffix)


def forget_steps(unified: str, archive: str, kinds: dict[str, str], pk: str, group: str) -> tuple[list[Step], Step]:
    """``(switch, down)``: in switch.sql, the function and triggers on ``unified`` that delete from the archived
    table (schema ``archive``) the row of each row of ``unified`` deleted (or truncated) there; the step of down.sql
    that drops the function (the triggers go with the table). ``kinds``: old table -> its ``type``."""
    function, trigger = f"public.{forget_name(group)}", forget_name(group)
    archived = {kind: f"{ident(archive)}.{ident(relation(t))}" for t, kind in kinds.items()}
    body = (
        "\nBEGIN\n  IF TG_OP = 'TRUNCATE' THEN\n"
        + "".join(f"    DELETE FROM {a};\n" for a in archived.values())
        + "    RETURN NULL;\n  END IF;\n"
        + "".join(f"  {'IF' if i == 0 else 'ELSIF'} OLD.type = {literal(kind)} THEN\n"
                  f"    DELETE FROM {a} WHERE {ident(pk)} = OLD.legacy_id;\n"
                  for i, (kind, a) in enumerate(archived.items()))
        + "  END IF;\n  RETURN NULL;\nEND;\n"
    )
    create = _trigger_function(function, body,
                               f"deleting from {archive} the row of each row deleted from {short(unified)}")
    rows = step(
        f"CREATE TRIGGER {ident(trigger)}\n  AFTER DELETE ON {table(unified)}\n"
        f"  FOR EACH ROW EXECUTE FUNCTION {table(function)}()",
        (unified, SHARE_ROW_EXCLUSIVE),
        note=f"a row deleted from {short(unified)} is deleted from {archive} too (down.sql does not bring it back)")
    truncate = step(
        f"CREATE TRIGGER {ident(forget_name(group, '_truncate'))}\n  AFTER TRUNCATE ON {table(unified)}\n"
        f"  FOR EACH STATEMENT EXECUTE FUNCTION {table(function)}()",
        (unified, SHARE_ROW_EXCLUSIVE), note=f"a truncate of {short(unified)} empties {archive} too")
    return [create, revoke_execute(function), rows, truncate], drop_function(function)


def forgotten_sql(unified: str, archive: str, kinds: dict[str, str], pk: str) -> str:
    """The archived rows whose row in ``unified`` is gone (down.sql would bring them back)."""
    return "\nUNION ALL\n".join(
        f"SELECT {literal(short(t))} AS source, t.{ident(pk)} AS legacy_id FROM {ident(archive)}.{ident(relation(t))}"
        f" AS t\nWHERE NOT EXISTS (SELECT 1 FROM {table(unified)} AS u WHERE u.type = {literal(kind)} AND "
        f"u.legacy_id = t.{ident(pk)})"
        for t, kind in kinds.items())


def verify_step(unified: str, kinds: dict[str, str], pk: str, rebuilt: str, group: str) -> Step:
    """One query, one snapshot: every row of the old tables has its equal copy in ``unified`` (``rebuilt``: the
    old row's jsonb rebuilt from alias ``u``) and every copy its row; raises (nothing changed) otherwise."""
    parts = []
    for t, kind in kinds.items():
        parts.append(
            f"SELECT 1 FROM {table(t)} AS t\nWHERE NOT EXISTS (SELECT 1 FROM {table(unified)} AS u WHERE "
            f"u.type = {literal(kind)} AND u.legacy_id = t.{ident(pk)} AND {rebuilt} = to_jsonb(t))")
        parts.append(
            f"SELECT 1 FROM {table(unified)} AS u\nWHERE u.type = {literal(kind)} AND u.legacy_id IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {table(t)} AS t WHERE t.{ident(pk)} = u.legacy_id)")
    said = (f"% rows of the old tables have no equal copy in {group} (unmappable rows: preflight.sql; "
            "an interrupted copy: run copy.sql again); nothing was changed")
    body = (
        "\nDECLARE\n  differ bigint;\nBEGIN\n  SELECT count(*) INTO differ FROM (\n"
        + "\nUNION ALL\n".join(parts) + "\n  ) AS d;\n"
        f"  IF differ > 0 THEN\n    RAISE EXCEPTION {literal(said)}, differ;\n  END IF;\nEND\n"
    )
    return step("DO " + dollar_quote(body, "verify"), *[(t, ACCESS_SHARE) for t in kinds], (unified, ACCESS_SHARE),
                note=f"check that {group} holds every row of the old tables as it is (reads only)")


__all__ = ["batched_copy", "forget_name", "forget_steps", "forgotten_sql", "mirror_name", "mirror_steps",
           "verify_step"]
