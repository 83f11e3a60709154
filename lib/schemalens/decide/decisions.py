"""Findings -> Decisions -> Options: every way out of a finding as SQL, with rollback, preflight, risks.

A :class:`Decision` groups the findings that share a decision id (``root-entity``, ``user-mapping``,
``scope-of-<group>``, ``proposed-hierarchy``, ``foreign-key-…``, ``mapping-of-…``). Each
:class:`Option` carries:

* ``up`` (forward) and ``down`` (rollback) steps, each step with the table locks PostgreSQL takes
  (:mod:`schemalens.decide.sqlgen`); each script runs in one transaction with a ``lock_timeout``;
* optional later ``stages`` (e.g. ``VALIDATE CONSTRAINT``), each its own transaction, run when its
  preflight is clean; a script with a step that cannot run in a transaction (a batched backfill, ``CREATE
  INDEX CONCURRENTLY``: :mod:`schemalens.decide.phased`) runs in autocommit instead, and its header says so;
* :class:`Check` queries (preflight): the rows they list and what those rows mean;
* :class:`Risk` entries (breaking change, data, locks, reversibility) and an
  :class:`~schemalens.decide.impact.Impact` (every object that references what the option changes);
* ``unsafe`` with reasons when the option drops, moves or rewrites data: callers opt in to those.

Options are derived from the findings' structured ``data`` (decision ids, tables, paths), never from
the sample's names; the SQL is generated against the schema the migrations build. Options of
different decisions are independent: each is proved alone (tests/test_decisions.py). It refuses to
guess: a decision whose finding lacks what an option needs (no counterpart, no path to the entity)
gets fewer options, and the reason is kept in :attr:`Decisions.skipped`.

>>> from schemalens.decide.sqlgen import rename_table
>>> o = Option("root-entity", "A", "rename", "Rename", "x", up=(rename_table("public.a", "b"),), down=())
>>> print(o.script("up"))
-- schemalens decision root-entity, option A: Rename
-- up.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';
<BLANKLINE>
-- rename a to b (locks: ACCESS EXCLUSIVE on a)
ALTER TABLE public.a RENAME TO b;
<BLANKLINE>
COMMIT;
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from schemalens.core.names import comment, md_code, md_name
from schemalens.decide.impact import Impact
from schemalens.decide.rewrite import Renames
from schemalens.decide.sqlgen import BLOCKS, Step

LOCK_TIMEOUT = "5s"
WHEN = ("before up", "before validate", "before down")


@dataclass(frozen=True)
class Check:
    """A preflight query: what it lists, when to run it, and what its rows mean.

    ``blocking``: the next script must not run while the query lists a row (the script would fail or
    lose data). Otherwise the rows are information (e.g. rows an option will leave behind).
    """

    name: str
    sql: str
    meaning: str
    when: str = "before up"
    blocking: bool = False


@dataclass(frozen=True)
class Stage:
    """A forward script after ``up`` (its own transaction), e.g. ``validate``; checks say when to run it."""

    name: str
    steps: tuple[Step, ...]
    note: str = ""


@dataclass(frozen=True)
class Risk:
    kind: str  # breaking | data | lock | reversibility | security
    text: str


@dataclass(frozen=True)
class Option:
    """One way out of a decision, as SQL PostgreSQL can prove (see the module docstring)."""

    decision: str
    key: str  # "A", "B", …
    slug: str  # the folder name under sql/<decision>/
    title: str
    summary: str
    up: tuple[Step, ...]
    down: tuple[Step, ...]
    checks: tuple[Check, ...] = ()
    stages: tuple[Stage, ...] = ()
    risks: tuple[Risk, ...] = ()
    impact: Impact | None = field(default=None, compare=False, repr=False)
    unsafe: tuple[str, ...] = ()  # why the option is unsafe (drops, moves or rewrites data); empty: safe
    manifest: str = ""  # how the manifest should read after this option
    renames: Renames = field(default_factory=Renames)  # what the option means for the planned documents
    creates: tuple[str, ...] = ()  # tables the option creates
    widens: tuple[str, ...] = ()  # what signed-in users may newly do to others' rows (read, update, …): see risks
    moves: tuple[str, ...] = ()  # tables whose rows the option copies or moves

    @property
    def is_unsafe(self) -> bool:
        return bool(self.unsafe)

    @property
    def scripts(self) -> tuple[str, ...]:
        """The script names in order: ``up``, the stages, ``down``."""
        return ("up", *(s.name for s in self.stages), "down")

    def steps(self, script: str) -> tuple[Step, ...]:
        if script == "up":
            return self.up
        if script == "down":
            return self.down
        for s in self.stages:
            if s.name == script:
                return s.steps
        raise KeyError(script)

    def checks_for(self, when: str) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.when == when)

    def autocommit(self, name: str) -> bool:
        """Script ``name`` runs outside a transaction, statement by statement (a step of it cannot run in one:
        :mod:`schemalens.decide.phased`)."""
        return any(s.outside for s in self.steps(name))

    def script(self, name: str) -> str:
        """A script's SQL text (``up``, a stage, ``down``): one transaction, or a comment when empty; in
        autocommit when a step cannot run in a transaction (:mod:`schemalens.decide.phased`)."""
        steps = self.steps(name)
        head = f"-- {comment(f'schemalens decision {self.decision}, option {self.key}: {self.title}')}\n"
        if not steps:
            return head + f"-- {name}.sql: nothing to run (no schema change).\n"
        body = "\n\n".join(_commented(s) for s in steps)
        if self.autocommit(name):
            return f"{head}{autocommit_header(name)}\n{body}\n\nRESET lock_timeout;\n"
        return (
            f"{head}-- {name}.sql: one transaction; a lock that cannot be had within {LOCK_TIMEOUT} aborts "
            "it.\n"
            f"BEGIN;\nSET LOCAL lock_timeout = '{LOCK_TIMEOUT}';\n\n{body}\n\nCOMMIT;\n"
        )

    def preflight(self) -> str:
        """Every check as one file: each query with when to run it and what its rows mean."""
        out = [
            f"-- {comment(f'schemalens decision {self.decision}, option {self.key}: {self.title}')}",
            "-- Preflight: read-only queries. Each lists rows; what a row means is written above it.",
        ]
        if not self.checks:
            out.append("-- No check: this option changes no data and takes no lock worth checking.")
        for i, c in enumerate(self.checks, 1):
            rule = "must list no row" if c.blocking else "information"
            out += [
                "",
                f"-- {comment(f'{i}. {c.name} ({c.when}; {rule})')}",
                *_comment_lines(c.meaning),
                c.sql.rstrip(";") + ";",
            ]
        return "\n".join(out) + "\n"

    def locks(self) -> list[tuple[str, str, str, str]]:
        """``(script, statement note, lock, what it blocks)`` for every lock the scripts take."""
        rows = []
        for name in self.scripts:
            for s in self.steps(name):
                for lk in s.locks:
                    rows.append((name, s.note or s.sql.split("\n")[0], str(lk), BLOCKS.get(lk.mode, "")))
        return rows


@dataclass(frozen=True)
class Decision:
    """A decision the findings open, with its options and the one recommended (and why)."""

    id: str
    title: str
    question: str
    options: tuple[Option, ...]
    findings: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    recommended: str | None = None
    why: str = ""
    kind: str = ""  # root | keys | hierarchy | scope | general (schemalens.decide.options.KINDS)

    def option(self, key: str) -> Option:
        """An option by key (``"A"``) or slug."""
        for o in self.options:
            if key in (o.key, o.slug):
                return o
        raise KeyError(f"{self.id} has no option {key!r}")

    def tables(self) -> tuple[str, ...]:
        """Every table an option of this decision changes (that the schema has), in option order."""
        found = [t for o in self.options if o.impact is not None for t in o.impact.tables
                 if o.impact.schema.table(t) is not None]
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class Decisions(Sequence):
    """The decisions of one comparison; ``skipped``: decision ids without options, and why."""

    decisions: tuple[Decision, ...]
    findings: Any = field(default=None, compare=False, repr=False)
    skipped: tuple[tuple[str, str], ...] = ()

    def __getitem__(self, i):
        if isinstance(i, str):
            for d in self.decisions:
                if d.id == i:
                    return d
            raise KeyError(i)
        return self.decisions[i]

    def __len__(self) -> int:
        return len(self.decisions)

    def __iter__(self) -> Iterator[Decision]:
        return iter(self.decisions)

    def options(self) -> Iterator[Option]:
        for d in self.decisions:
            yield from d.options

    def recommended(self) -> dict[str, str]:
        """``{decision: recommended option key}``."""
        return {d.id: d.recommended for d in self.decisions if d.recommended}


def autocommit_header(name: str) -> str:
    """The comment and settings that open a script run outside a transaction."""
    return (
        f"-- {name}.sql: NOT one transaction. Run it as it is, in autocommit (`psql -f {name}.sql`, without "
        "--single-transaction and not inside BEGIN): each statement (each batch of a backfill) commits on its "
        f"own; a lock that cannot be had within {LOCK_TIMEOUT} stops it, and it can be run again.\n"
        f"SET lock_timeout = '{LOCK_TIMEOUT}';\n"
    )


def _comment_lines(text: str) -> list[str]:
    return [f"-- {comment(line)}".rstrip() for line in text.splitlines()]


def _commented(s: Step) -> str:
    locks = ", ".join(str(lk) for lk in s.locks) or "no table lock"
    return f"-- {comment(f'{s.note} (locks: {locks})')}\n{s.sql}" if s.note else s.sql


DECISION_TITLES = {
    "root-entity": "Root Tenant Entity",
    "user-mapping": "User Mapping",
    "proposed-hierarchy": "Hierarchy",
    "project-ref": "Migration Project",
    "rewrite-documents": "Planned Documents",
    "enable-rls": "Row Level Security",
    "add-policies": "Policies",
    "index-foreign-keys": "Foreign-Key Indexes",
}


def decision_title(decision: str, finding=None) -> str:
    """A heading for a decision id: the seed's names for known ids, ``Scope of `x``` for ``scope-of-x``.

    >>> decision_title("root-entity"), decision_title("scope-of-cartridges")
    ('Root Tenant Entity', 'Scope of `cartridges`')
    """
    if decision in DECISION_TITLES:
        return DECISION_TITLES[decision]
    if decision.startswith("foreign-key-") and finding is not None:
        return f"Foreign key {md_name(finding.subject)}"
    for prefix, label in (
        ("scope-of-", "Scope of "),
        ("mapping-of-", "Mapping of "),
        ("foreign-key-", "Foreign key "),
    ):
        if decision.startswith(prefix):
            return label + md_code(decision[len(prefix) :])
    return decision


def slug(key: str, title: str) -> str:
    """A folder name: ``a-rename-agencies-to-tenants``.

    >>> slug("A", "Rename `agencies` → `tenants`")
    'a-rename-agencies-to-tenants'
    """
    words = re.sub(r"[^a-z0-9]+", "-", title.lower().replace("→", " to ")).strip("-")
    return f"{key.lower()}-{words}"[:60].rstrip("-")


__all__ = ["DECISION_TITLES", "Check", "Decision", "Decisions", "Option", "Risk", "Stage", "decision_title", "slug"]
