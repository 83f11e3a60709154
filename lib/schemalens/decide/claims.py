"""What an option's lock risk says, against the locks its rehearsal observed.

The ``lock`` risk of an option is prose a reviewer reads ("up.sql: SHARE ROW EXCLUSIVE on users and
auth.users …; down.sql: ACCESS EXCLUSIVE on auth.users …"). :func:`lock_claims` reads the claims in it:
for each script named (``up.sql:``, ``down.sql`` …; a sentence naming none speaks of ``up``), each lock
mode followed by ``on`` and table names (``a, b and c``). :func:`wrong_claims` compares them with the
strongest mode the rehearsal saw on each table in that script (:mod:`schemalens.db.locks`): a claim of a
mode no statement of the script takes on that table is a statement the report must not make. Table names are
matched without their ``public.`` schema, as the risks write them. A script run in autocommit has its locks
sampled from a second session (:mod:`schemalens.db.sampled`): a claim weaker than a mode seen is wrong, a
claimed mode no sample saw is said as "not seen in N samples" (sampling misses short locks).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from schemalens.decide.sqlgen import LOCK_MODES, short

_MODES = sorted(LOCK_MODES, key=len, reverse=True)
_NAME = r"`?(?!(?:ROW|SHARE|ACCESS|EXCLUSIVE|UPDATE)\b)[\w.]+`?"  # a table (in `code` or not), not the next lock mode
_CLAIM = re.compile(r"\b(" + "|".join(_MODES) + rf") on ((?:{_NAME}(?:, | and |,? and )?)+)")
_SCRIPT = re.compile(r"\b([a-z_]+)\.sql\b")


def lock_claims(text: str, tables: Iterable[str]) -> list[tuple[str, str, str]]:
    """``(script, mode, table)`` for each lock a risk text claims on one of ``tables`` (names as the
    risks write them; other words after ``on`` are prose).

    >>> lock_claims("up.sql: SHARE ROW EXCLUSIVE on users and auth.users (writes wait). down.sql: ACCESS "
    ...             "EXCLUSIVE on users, briefly.", ["users", "auth.users"])
    [('up', 'SHARE ROW EXCLUSIVE', 'users'), ('up', 'SHARE ROW EXCLUSIVE', 'auth.users'), ('down', 'ACCESS EXCLUSIVE', 'users')]
    >>> lock_claims("validate.sql: SHARE UPDATE EXCLUSIVE on prices and ROW SHARE on products", ["prices", "products"])
    [('validate', 'SHARE UPDATE EXCLUSIVE', 'prices'), ('validate', 'ROW SHARE', 'products')]
    >>> lock_claims("down.sql: ACCESS EXCLUSIVE on `a.t`, `users` and `auth.users` until COMMIT", ["a.t", "users"])
    [('down', 'ACCESS EXCLUSIVE', 'a.t'), ('down', 'ACCESS EXCLUSIVE', 'users')]
    """
    out = []
    known = set(tables)
    script = "up"
    marks = sorted([(m.start(), "script", m.group(1)) for m in _SCRIPT.finditer(text)]
                   + [(m.start(), "claim", m) for m in _CLAIM.finditer(text)], key=lambda x: x[0])
    for _, kind, found in marks:
        if kind == "script":
            script = found
            continue
        for name in re.split(r", and |, | and ", found.group(2)):
            name = name.strip().rstrip(".,").strip("`")
            if name in known:
                out.append((script, found.group(1), name))
    return out


def wrong_claims(rehearsal) -> tuple[str, ...]:
    """One line per lock claim of the option's risks that the rehearsal did not observe (empty: all hold).
    Only scripts the rehearsal ran are judged."""
    seen: dict[tuple[str, str], set[str]] = {}  # (script, table) -> the modes its statements took
    samples: dict[str, int] = {}  # script run in autocommit -> the samples of its statements' locks
    for st in rehearsal.locks:
        if st.sampled:
            samples[st.script] = samples.get(st.script, 0) + st.samples
        for lk in st.observed + st.waited:
            seen.setdefault((st.script, short(lk.table)), set()).add(lk.mode)
    ran = {s.name for s in rehearsal.scripts if s.ok}
    option = rehearsal.option
    tables = {t for _, t in seen} | {short(lk.table) for name in option.scripts for st in option.steps(name)
                                     for lk in st.locks}
    out = []
    for risk in rehearsal.option.risks:
        if risk.kind != "lock":
            continue
        for script, mode, table in lock_claims(risk.text, tables):
            if script not in ran:
                continue
            got = seen.get((script, short(table)), set())
            if mode not in got and script in samples and all(LOCK_MODES.index(g) < LOCK_MODES.index(mode) for g in got):
                out.append(f"{script}.sql: says {mode} on {table}; not seen in {samples[script]} samples (sampled)")
            elif mode not in got:
                took = " and ".join(sorted(got, key=LOCK_MODES.index)) or "no lock"
                out.append(f"{script}.sql: says {mode} on {table}; observed {took}")
    return tuple(dict.fromkeys(out))


__all__ = ["lock_claims", "wrong_claims"]
