"""What an option's texts state about named objects and rows, against what its rehearsal observed.

An option's report says what happens to the objects it reaches (its :class:`~schemalens.decide.impact.Impact`:
``foreign key clients_agency_id_fkey on clients: follows the rename``), what happens to the rows ("No row
changes", "the old tables stay as they are"), where tables go ("move to `cartridges_archive`"), which
``ON DELETE`` a key has, and which preflight checks to look at. :func:`statements` reads those as
:class:`Statement` objects: the impact's items are structured already (kind, name, table), so a statement
there is the item plus the leading words of its effect, from a fixed vocabulary (:data:`EFFECTS`); in the
summary and the risks only a few fixed phrases are read (:data:`PHRASES`), never free prose. An effect
outside the vocabulary states nothing checkable here and is counted as such (:func:`unchecked`), never
guessed at.

:func:`false_statements` compares each statement with what the rehearsal observed (:class:`Observed`): the
schema before and after the forward scripts (:class:`~schemalens.core.model.Schema`, as
:func:`schemalens.db.live.introspect` reads it), the tables whose rows they wrote (inserted, updated or
deleted), the rows of the tables the option creates and who may execute each function
(:mod:`schemalens.db.observed`), and the scripts that ran: one line per statement that is not true, with the
sentence and the observed fact. The rehearsal fails on such a line
(:attr:`schemalens.db.rehearse.Rehearsal.verdict`).

>>> from schemalens.core.model import Schema, Table, Trigger
>>> from schemalens.decide.impact import Impact, Item
>>> from schemalens.decide.decisions import Option, Risk
>>> t = Trigger("touch", "public.notes", "public.touch", "BEFORE", ("UPDATE",))
>>> o = Option("d", "A", "a", "A", "x", up=(), down=(), risks=(Risk("data", "None."),),
...            impact=Impact(("public.notes",), items=(Item("trigger", "touch", "public.notes", "", effect="unchanged"),)))
>>> [s.says for s in statements(o)]
['unchanged', 'rows unchanged']
>>> before = Schema(tables=(Table("public.notes"),), triggers=(t,))
>>> false_statements(o, Observed(before, Schema(tables=(Table("public.notes"),)), written=("public.notes",)))
('impact, trigger touch on notes: "unchanged"; observed: gone after forward', 'risk (data): "None."; observed: the forward scripts wrote rows of notes')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from schemalens.core.model import API_ROLES, Schema, qualify
from schemalens.core.names import relation, short
from schemalens.decide.sqlgen import ident

# the leading words of an impact item's effect -> what they state (the rest of the effect is explanation)
EFFECTS = (
    ("unchanged", "unchanged"),
    ("stays", "unchanged"),
    ("relies on", "unchanged"),
    ("its predicate now", "unchanged"),  # the policy stays as it is; what it filters changes
    ("read by the new policy", "unchanged"),
    ("sees the rows", "unchanged"),
    ("follows the rename", "follows"),
    ("moves with its table to", "moves"),
    ("paused during", "paused"),
    ("breaks", "breaks"),
    ("dropped", "dropped"),
)
_ROWS_KEPT = re.compile(r"^(?:None[.:]|No row changes|.*\bnothing is deleted or changed by the scripts|.*\bno row is "
                        r"read or written|.*\bExisting (?:\w+ )?(?:users|rows) are not touched)")
_UNTOUCHED = re.compile(r"\bExisting (?:\w+ )?(?:users|rows) are not touched")
_NO_CHANGE = re.compile(r"^(?:No schema change|Nothing to run|None: nothing changes)")
_STAY = re.compile(r"\bthe old tables stay\b")
_MOVE = re.compile(r"\bmoves? to (?:the schema )?`([^`]+)`")
_ON_DELETE = re.compile(r"\bON DELETE (CASCADE|SET NULL|SET DEFAULT|RESTRICT|NO ACTION) (on `([^`]+)`|is a choice)")
_CHECKS = re.compile(r"\b(?:preflight|checks?) ((?:`[^`]+`(?:, | and |, and )?)+)")
_KEY_ACTION = re.compile(r"`(\w+)` → `([^`]+)` \(ON DELETE (CASCADE|SET NULL|SET DEFAULT|RESTRICT|NO ACTION)\)")
_INDEXED = re.compile(r"\ban index on each foreign key\b")
_PER_COMMAND = re.compile(r"\brow level security and policies per command\b")
_READ_ONLY = re.compile(r"((?:`[^`]+`(?:, | and |, and )?)+) (?:is|are) read-only through the API")
_OWNER_WRITES = re.compile(r"\bthe owner's policies stay the only way to write|\bWrites do not widen: only the owner's")
_WRITE_POLICIES = re.compile(r"\bWrites stay the owner's \(a policy per command, `(\w+) = auth\.uid\(\)`\)")
_DERIVES = re.compile(r"\ba trigger (?:that )?derives `(\w+)`|\bA trigger derives `(\w+)`")
_VIEW = re.compile(r"\bthrough the view `([^`]+)`")
_DEFINER = re.compile(r"`([\w.]+)\(\)` \(SECURITY DEFINER")
_REVOKED = re.compile(r"\bEXECUTE is revoked from PUBLIC and the API roles\b")
_EMPTY = re.compile(r"\bthe new tables start empty\b")
PHRASES = ("rows unchanged", "no schema change", "old tables stay", "move to", "on delete", "preflight",
           "key action", "indexed", "per command", "read-only", "owner writes", "write policies", "derived",
           "view", "security definer", "start empty", "execute revoked")
WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class Statement:
    """One thing an option's text states: ``where`` it is said (``impact``, ``summary``, ``risk (data)``),
    the ``sentence`` (the effect or the risk's text), what it ``says`` (a word of :data:`EFFECTS` or
    :data:`PHRASES`), about which object (``kind``, ``name``, ``table``: an impact item's) and with which
    argument (a schema, an ``ON DELETE`` action, a column, check names)."""

    where: str
    sentence: str
    says: str
    kind: str = ""
    name: str = ""
    table: str = ""
    arg: tuple[str, ...] = ()


def _effect(text: str) -> str | None:
    return next((says for lead, says in EFFECTS if text.startswith(lead)), None)


def unchecked(option) -> tuple[str, ...]:
    """The distinct impact effects of ``option`` outside :data:`EFFECTS` (they state nothing checked here)."""
    items = option.impact.items if option.impact is not None else ()
    return tuple(dict.fromkeys(i.effect for i in items if i.effect and i.kind != "document" and _effect(i.effect) is None))


def statements(option) -> tuple[Statement, ...]:
    """Every checkable statement of ``option``'s impact, summary and risks (see the module docstring)."""
    out: list[Statement] = []
    for i in option.impact.items if option.impact is not None else ():
        says = _effect(i.effect) if i.kind != "document" else None
        if says:
            arg = tuple(re.findall(r"`([^`]+)`", i.effect)[:1]) if says == "moves" else ()
            out.append(Statement("impact", i.effect, says, i.kind, i.name, i.on, arg))
    texts = [("summary", option.summary)] + [(f"risk ({r.kind})", r.text) for r in option.risks]
    for where, text in texts:
        if where in ("risk (data)", "summary") and _ROWS_KEPT.match(text) or where == "summary" and _UNTOUCHED.search(text):
            out.append(Statement(where, text, "rows unchanged"))
        if _NO_CHANGE.match(text):
            out.append(Statement(where, text, "no schema change"))
        if _STAY.search(text):
            out.append(Statement(where, text, "old tables stay"))
        out += [Statement(where, text, "move to", arg=(m.group(1),)) for m in _MOVE.finditer(text)]
        out += [Statement(where, text, "on delete", arg=(m.group(1), m.group(3) or ""))
                for m in _ON_DELETE.finditer(text)]
        for m in _CHECKS.finditer(text):
            out.append(Statement(where, text, "preflight", arg=tuple(re.findall(r"`([^`]+)`", m.group(1)))))
        out += [Statement(where, text, "key action", arg=m.groups()) for m in _KEY_ACTION.finditer(text)]
        out += [Statement(where, text, says) for says, pattern in (
            ("indexed", _INDEXED), ("per command", _PER_COMMAND), ("owner writes", _OWNER_WRITES),
            ("start empty", _EMPTY)) if pattern.search(text)]
        for m in _READ_ONLY.finditer(text):
            out.append(Statement(where, text, "read-only", arg=tuple(re.findall(r"`([^`]+)`", m.group(1)))))
        out += [Statement(where, text, "write policies", arg=(m.group(1),)) for m in _WRITE_POLICIES.finditer(text)]
        out += [Statement(where, text, "derived", arg=(m.group(1) or m.group(2),)) for m in _DERIVES.finditer(text)]
        out += [Statement(where, text, "view", arg=(m.group(1),)) for m in _VIEW.finditer(text)]
        out += [Statement(where, text, "security definer", arg=(m.group(1),)) for m in _DEFINER.finditer(text)]
        if _REVOKED.search(text):  # of the functions the option's summary names as SECURITY DEFINER
            out.append(Statement(where, text, "execute revoked", arg=tuple(_DEFINER.findall(option.summary))))
    return tuple(out)


# Objects, by kind --------------------------------------------------------------------------------------


def _objects(schema: Schema, kind: str) -> Sequence:
    return {"foreign key": schema.foreign_keys, "policy": schema.policies, "trigger": schema.triggers,
            "index": schema.indexes, "function": schema.functions, "view": schema.views}.get(kind, ())


def _table_of(kind: str, obj) -> str:
    return obj.name if kind in ("function", "view") else obj.table


def _key(kind: str, obj) -> tuple:
    """What an object is, without where it was written (its source)."""
    if kind == "foreign key":
        return (obj.name, obj.table, obj.columns, obj.ref_table, obj.ref_columns, obj.on_delete, obj.on_update,
                obj.validated)
    if kind == "policy":
        return (obj.name, obj.table, obj.command, obj.permissive, obj.roles, obj.using, obj.with_check)
    if kind == "trigger":
        return (obj.name, obj.table, obj.function, obj.timing, obj.events)
    if kind == "index":
        return (obj.name, obj.table, obj.columns, obj.unique)
    if kind == "function":
        return (obj.name, obj.arguments, obj.returns, obj.language, obj.security_definer, obj.body)
    return (obj.name,)


def _find(schema: Schema, kind: str, name: str, table: str):
    for obj in _objects(schema, kind):
        if kind == "function" and obj.name == table:
            return obj
        if kind == "view" and short(obj.name) == name:
            return obj
        if kind not in ("function", "view") and obj.name == name and obj.table == table:
            return obj
    return None


def _moved(schema: Schema, kind: str, name: str) -> list[str]:
    return [short(_table_of(kind, o)) for o in _objects(schema, kind) if o.name == name]


def _shape(kind: str, obj, rename) -> tuple:
    """What an object is once ``rename`` (table -> table) is applied, without the names a rename respells."""
    if kind == "foreign key":
        return (rename(obj.table), len(obj.columns), rename(obj.ref_table), obj.on_delete, obj.on_update)
    if kind == "policy":
        return (obj.name, rename(obj.table), obj.command, obj.permissive, obj.roles)
    if kind == "trigger":
        return (rename(obj.table), obj.function, obj.timing, obj.events)
    if kind == "index":
        return (rename(obj.table), len(obj.columns), obj.unique)
    return (obj.name,)


def _renames(before: Schema, after: Schema, option) -> dict[str, str]:
    moved = {qualify(a): qualify(b) for a, b in option.renames.moved}
    gone = {t.name for t in before.tables} - {t.name for t in after.tables}
    return {a: b for a, b in moved.items() if a in gone}


# Checking ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observed:
    """What a rehearsal saw: the catalog ``before`` and ``after`` the forward scripts (which all ran), the
    existing tables whose rows they wrote (``written``, qualified), the scripts that ran, and the rows of the
    tables the option creates right after them (``rows``: ``{table: rows}``), and who may execute each function."""

    before: Schema
    after: Schema
    written: tuple[str, ...] = ()
    ran: tuple[str, ...] = ()
    rows: tuple[tuple[str, int], ...] = ()
    executors: tuple[tuple[str, str], ...] = ()  # (schema.function, role) allowed to EXECUTE it; PUBLIC as such


def _plain(sql: str | None) -> str:
    """A predicate without spaces, parentheses or case (``(user_id = auth.uid())`` → ``user_id=auth.uid``)."""
    return re.sub(r"[\s()\"]", "", sql or "").lower()


def _new_policies(o: Observed, tables: Iterable[str]):
    old = {(p.name, p.table) for p in o.before.policies}
    return [p for p in o.after.policies if p.table in tables and (p.name, p.table) not in old]


def _policy_fact(s: Statement, option, o: Observed) -> str | None:
    created = [t for t in option.creates if o.after.table(t) is not None]
    if s.says == "per command":
        wrong = [f"{short(t)}: " + ("no row level security" if not o.after.table(t).rls_enabled else "FOR ALL policy")
                 for t in created if not o.after.table(t).rls_enabled
                 or any(p.command == "ALL" for p in o.after.policies_on(t))]
        return "; ".join(wrong) or (None if created else "no table created")
    if s.says == "read-only":
        wrong = [f"{p.name} on {short(p.table)} is FOR {p.command}" for t in s.arg for p in o.after.policies_on(qualify(t))
                 if p.command != "SELECT"]
        return "; ".join(wrong) or None
    if s.says == "owner writes":
        tables = option.impact.tables if option.impact is not None else ()
        wrong = [f"{p.name} on {short(p.table)} is FOR {p.command}" for p in _new_policies(o, tables)
                 if p.command != "SELECT"]
        return "; ".join(wrong) or None
    if s.says == "write policies":
        owner = f"{s.arg[0]}=auth.uid"
        wrong = []
        for t in created:
            for command in WRITES:
                found = [p for p in o.after.policies_on(t) if p.command in (command, "ALL") and p.permissive]
                if not found:
                    wrong.append(f"{short(t)}: no {command} policy")
                wrong += [f"{short(t)}: {p.name} ({p.command}) does not check {s.arg[0]} = auth.uid()" for p in found
                          if owner not in _plain(p.with_check if command == "INSERT" else p.using)]
        return "; ".join(dict.fromkeys(wrong)) or (None if created else "no table created")
    return None


def _fact(s: Statement, option, o: Observed) -> str | None:
    """What the rehearsal observed that contradicts ``s``, or None when ``s`` holds."""
    before, after, rows_changed, ran = o.before, o.after, o.written, o.ran
    if s.where == "impact":
        was = _find(before, s.kind, s.name, s.table)
        if was is None:
            return None if s.says == "dropped" else "no such object before up"
        now = _find(after, s.kind, s.name, s.table)
        if s.says == "unchanged":
            if now is None:
                elsewhere = _moved(after, s.kind, s.name)
                return f"on {', '.join(elsewhere)} after forward" if elsewhere else "gone after forward"
            return None if _key(s.kind, now) == _key(s.kind, was) else "changed by the forward scripts"
        if s.says == "dropped":
            return None if now is None else "still there after forward"
        if s.says == "moves":
            where = _moved(after, s.kind, s.name)
            target = f"{s.arg[0]}." if s.arg else ""
            if any(w.startswith(target) for w in where) and now is None:
                return None
            return f"on {', '.join(where) or 'nothing'} after forward"
        if s.says == "follows":
            renames = _renames(before, after, option)
            if not renames:
                return "no table was renamed"
            shape = _shape(s.kind, was, lambda t: renames.get(t, t))
            if any(_shape(s.kind, o, lambda t: t) == shape for o in _objects(after, s.kind)):
                return None
            return "nothing of its kind on the renamed table after forward"
        if s.says == "paused":
            sql = [st.sql for name in ran for st in option.steps(name)]
            if any(f"DISABLE TRIGGER {ident(s.name)}" in q or "session_replication_role = replica" in q for q in sql):
                return None
            return "no script that ran pauses it"
        if s.says == "breaks":
            renames = _renames(before, after, option)
            return None if renames and now is not None else "no table it names was renamed"
        return None
    if s.says == "rows unchanged":
        return f"the forward scripts wrote rows of {', '.join(short(t) for t in rows_changed)}" if rows_changed else None
    if s.says == "no schema change":
        return None if before == after else "the forward scripts changed the catalog"
    tables = option.impact.tables if option.impact is not None else ()
    if s.says == "old tables stay":
        wrong = [short(t) for t in tables if after.table(t) != before.table(t) or t in rows_changed]
        return f"{', '.join(wrong)} changed by the forward scripts" if wrong else None
    if s.says == "move to":
        schema = s.arg[0]
        wrong = [short(t) for t in tables if after.table(f"{schema}.{relation(t)}") is None or after.table(t) is not None]
        return f"{', '.join(wrong)} not in {schema} after forward" if wrong else None
    if s.says == "on delete":
        action, column = s.arg
        if column:  # the keys of that column on the tables the option creates
            keys = [fk for fk in after.foreign_keys if fk.table in option.creates and fk.columns == (column,)]
        else:  # the keys the option adds
            old = {(fk.name, fk.table) for fk in before.foreign_keys}
            keys = [fk for fk in after.foreign_keys if (fk.name, fk.table) not in old]
        if not keys:
            return "no such foreign key after forward"
        wrong = [f"{fk.name} ON DELETE {fk.on_delete}" for fk in keys if fk.on_delete != action]
        return ", ".join(wrong) + " after forward" if wrong else None
    if s.says == "preflight":
        known = {c.name for c in option.checks}
        missing = [n for n in s.arg if n not in known]
        return f"no preflight check {', '.join(missing)}" if missing else None
    created = [t for t in option.creates if after.table(t) is not None]
    if s.says == "key action":
        column, ref, action = s.arg
        keys = [fk for fk in after.foreign_keys if fk.table in created and fk.columns == (column,)
                and short(fk.ref_table) == short(qualify(ref))]
        wrong = [f"{fk.name} ON DELETE {fk.on_delete}" for fk in keys if fk.on_delete != action]
        return (", ".join(wrong) + " after forward") if wrong else (None if keys else "no such foreign key after forward")
    if s.says == "indexed":
        keys = [fk for fk in after.foreign_keys if fk.table in created]
        bare = [f"{short(fk.table)} ({', '.join(fk.columns)})" for fk in keys
                if not any(i.table == fk.table and i.columns[:len(fk.columns)] == fk.columns for i in after.indexes)
                and after.table(fk.table).primary_key[:len(fk.columns)] != fk.columns]
        return f"no index on {', '.join(bare)}" if bare else None
    if s.says in ("per command", "read-only", "owner writes", "write policies"):
        return _policy_fact(s, option, o)
    if s.says == "derived":
        tables = set(created) | set(option.impact.tables if option.impact is not None else ())
        old = {(t.name, t.table) for t in before.triggers}
        new_triggers = [t for t in after.triggers if t.table in tables and (t.name, t.table) not in old]
        return None if new_triggers else "no trigger added to the tables"
    if s.says == "view":
        return None if any(short(v.name) == short(qualify(s.arg[0])) for v in after.views) else "no such view after forward"
    if s.says == "security definer":
        fn = next((f for f in after.functions if short(f.name) == short(qualify(s.arg[0]))), None)
        return "no such function after forward" if fn is None else None if fn.security_definer else "SECURITY INVOKER"
    if s.says == "execute revoked":
        if not s.arg:
            return "no function named"
        wrong = [f"{fn}: {role} may execute it" for fn, role in o.executors
                 if short(fn) in {short(qualify(a)) for a in s.arg} and role in API_ROLES + ("PUBLIC",)]
        return "; ".join(wrong) or None
    if s.says == "start empty":
        full = [f"{short(t)} {n}" for t, n in o.rows if n]
        return f"rows after forward: {', '.join(full)}" if full else None
    return None


def false_statements(option, observed: Observed) -> tuple[str, ...]:
    """One line per statement of ``option`` that the ``observed`` facts contradict: where it is said, the
    sentence, and what was observed."""
    o = replace(observed, written=tuple(qualify(t.replace('"', "")) for t in observed.written))
    out = []
    for s in statements(option):
        fact = _fact(s, option, o)
        if fact is not None:
            about = f", {s.kind} {s.name} on {short(s.table)}" if s.kind else ""
            out.append(f'{s.where}{about}: "{s.sentence}"; observed: {fact}')
    return tuple(dict.fromkeys(out))


__all__ = ["EFFECTS", "PHRASES", "Observed", "Statement", "false_statements", "statements", "unchecked"]
