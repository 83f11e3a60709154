"""Typed statements: :class:`Statement` (where, text, kind, parsed form, status) and the records
read from what sqlglot leaves opaque (policies, RLS, functions, privileges, …).

Every statement is ``understood``, ``not analysed`` (recognised, but not schema this tool models) or
``unparsed`` (with the reason)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from schemalens.core.model import Source

UNDERSTOOD, NOT_ANALYSED, UNPARSED = "understood", "not analysed", "unparsed"


@dataclass(frozen=True)
class Statement:
    """One statement: where it is, its text, what kind it is, and its parsed form (``node``)."""

    source: Source
    text: str
    kind: str
    node: Any = None
    status: str = UNDERSTOOD
    reason: str = ""
    line_offset: int = 0  # add to a line inside ``text`` to get the file's line


@dataclass(frozen=True)
class PrivilegeStmt:
    """``GRANT``/``REVOKE`` privileges ON objects TO/FROM roles (role membership grants: ``on="role"``)."""

    action: str  # grant | revoke
    privileges: tuple[str, ...]  # upper case; ALL [PRIVILEGES] is ("ALL",)
    on: str  # table | all tables | sequence | function | schema | role | … (the object kind, lower case)
    tables: tuple[exp.Table, ...] = ()  # on == "table"
    schemas: tuple[str, ...] = ()  # on == "all tables": ALL TABLES IN SCHEMA …
    roles: tuple[str, ...] = ()  # lower case; PUBLIC is "public"
    columns: bool = False  # column privileges, e.g. SELECT (email): the table-level ones are unchanged
    grant_option_only: bool = False  # REVOKE GRANT OPTION FOR: the privileges themselves stay


@dataclass(frozen=True)
class PolicyStmt:
    action: str  # create | alter | drop
    name: str
    table: exp.Table
    permissive: bool = True
    command: str | None = None
    roles: tuple[str, ...] | None = None
    using: exp.Expression | None = None
    with_check: exp.Expression | None = None
    using_text: str | None = None
    with_check_text: str | None = None
    rename_to: str | None = None
    if_exists: bool = False


@dataclass(frozen=True)
class RlsStmt:
    table: exp.Table
    enable: bool | None = None  # ENABLE / DISABLE
    force: bool | None = None  # FORCE / NO FORCE
    if_exists: bool = False


@dataclass(frozen=True)
class FunctionStmt:
    name: str  # schema-qualified when written so
    arguments: str
    returns: str
    language: str
    security_definer: bool
    body: str
    replace: bool


@dataclass(frozen=True)
class DropNamesStmt:
    kind: str  # function | index | policy-less object lists
    names: tuple[str, ...]
    if_exists: bool
    cascade: bool


@dataclass(frozen=True)
class AlterTypeStmt:
    type: exp.Table
    add_value: str | None = None
    before: str | None = None
    after: str | None = None
    rename_value: tuple[str, str] | None = None
    if_not_exists: bool = False


@dataclass(frozen=True)
class ConstraintStmt:
    table: exp.Table
    action: str  # validate | rename
    name: str
    new_name: str | None = None
    if_exists: bool = False
