"""What each row-level security policy means: who may see a row, and through which foreign keys.

A policy predicate (``Policy.using`` / ``Policy.with_check``, as written) is read with sqlglot and cut
at its top-level ``OR`` into terms. Each term is one of:

``self``        the row *is* the signed-in user: ``auth.uid() = id`` on the table's own key
``owner``       ``user_id = auth.uid()``: the row belongs to the user its column references
``membership``  ``client_id IN (SELECT client_id FROM users WHERE id = auth.uid())``, nested at any depth,
                or a correlated ``EXISTS``
``helper``      ``client_id = get_user_client_id()``: a SQL function whose body is such a membership
``gate``        ``EXISTS (SELECT 1 FROM users WHERE id = auth.uid() AND role = 'admin')``: all rows or none
``public``      ``true``;  ``other``: anything else (reported, never guessed)

and has a ``scope``: the entity (``schema.table``) whose members may see the row, with the FK chain
from the policy's table to it. Every ``auth.uid()`` comparison is kept with the table and column it
compares, so callers can ask whether that key is really tied to ``auth.users``
(:func:`auth_link`). Plain-SQL helper functions are read through; PL/pgSQL bodies are not.

>>> from schemalens.core.model import ForeignKey, Policy, Schema, Table
>>> tables = tuple(Table(f"public.{n}", primary_key=("id",)) for n in ("clients", "users", "campaigns"))
>>> fks = (ForeignKey("u", "public.users", ("client_id",), "public.clients", ("id",)),
...        ForeignKey("c", "public.campaigns", ("client_id",), "public.clients", ("id",)))
>>> using = "client_id IN (SELECT client_id FROM users WHERE id = auth.uid())"
>>> schema = Schema(tables=tables, foreign_keys=fks)
>>> t = explain(schema, Policy("view", "public.campaigns", using=using)).terms[0]
>>> t.kind, t.column, t.scope, t.chain
('membership', 'client_id', 'public.clients', ('public.campaigns', 'public.clients'))
>>> [(c.table, c.column) for c in t.comparisons]
[('public.users', 'id')]
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from schemalens.core.model import ForeignKey, Function, Policy, Schema, Trigger, qualify
from schemalens.core.names import short as _short
from schemalens.read.parse import DIALECT, ident, table_name

AUTH_USERS = "auth.users"
VISIBILITY = ("SELECT", "ALL")  # commands whose USING decides which rows a user sees


@dataclass(frozen=True)
class AuthComparison:
    """``auth.uid()`` compared with ``table.column`` (``via`` names the helper function it was found in)."""

    table: str
    column: str
    text: str
    via: str = ""


@dataclass(frozen=True)
class Term:
    kind: str
    column: str | None
    scope: str | None
    chain: tuple[str, ...]
    comparisons: tuple[AuthComparison, ...]
    helpers: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class PolicyMeaning:
    policy: Policy
    clause: str  # "using" or "with_check": the predicate the terms come from
    terms: tuple[Term, ...]

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.scope for t in self.terms if t.scope))

    @property
    def comparisons(self) -> tuple[AuthComparison, ...]:
        return tuple(dict.fromkeys(c for t in self.terms for c in t.comparisons))

    def describe(self) -> str:
        """One sentence per term, e.g. ``owner: user_id → auth.users``."""
        out = []
        for t in self.terms:
            chain = " → ".join(_short(c) for c in t.chain)
            via = f" via {', '.join(_short(h) for h in t.helpers)}()" if t.helpers else ""
            col = f"{t.column} " if t.column else ""
            out.append(
                f"{t.kind}: {col}{'→ ' + _short(t.scope) if t.scope else ''}"
                f"{' (' + chain + ')' if len(t.chain) > 2 else ''}{via}".rstrip()
            )
        return "; ".join(out)


# Reading predicates --------------------------------------------------------------------------------


@lru_cache(maxsize=2048)
def parse_predicate(text: str | None) -> exp.Expression | None:
    """A predicate's sqlglot tree, or None when it is empty or sqlglot cannot read it."""
    if not text or not text.strip():
        return None
    try:
        return sqlglot.parse_one(text, read=DIALECT)
    except SqlglotError:
        return None


def is_auth_uid(node: exp.Expression | None) -> bool:
    """``auth.uid()``, also as ``(SELECT auth.uid())`` or cast to uuid.

    >>> is_auth_uid(parse_predicate("(select auth.uid())")), is_auth_uid(parse_predicate("uid()"))
    (True, False)
    """
    while isinstance(node, (exp.Cast, exp.Paren)):
        node = node.this
    if (
        isinstance(node, exp.Subquery)
        and isinstance(node.this, exp.Select)
        and len(node.this.expressions) == 1
        and not node.this.args.get("from_")
        and not node.this.args.get("from")
    ):
        return is_auth_uid(node.this.expressions[0])
    return (
        isinstance(node, exp.Dot)
        and ident(node.this) == "auth"
        and isinstance(node.expression, exp.Anonymous)
        and ident(node.expression.this) == "uid"
        and not node.expression.expressions
    )


def _call_name(node: exp.Expression) -> str | None:
    """``schema.function`` for a call such as ``get_user_client_id()`` or ``app.f()``."""
    if isinstance(node, exp.Anonymous):
        return qualify(ident(node.this))
    if (
        isinstance(node, exp.Dot)
        and isinstance(node.expression, exp.Anonymous)
        and isinstance(node.this, exp.Identifier)
    ):
        return f"{ident(node.this)}.{ident(node.expression.this)}"
    return None


def _sources(select: exp.Select) -> dict[str, str]:
    """``{alias: schema.table}`` for the tables in a SELECT's FROM and JOINs."""
    items = [select.args.get("from_") or select.args.get("from")] + list(select.args.get("joins") or [])
    out = {}
    for item in items:
        t = item.this if item is not None else None
        if isinstance(t, exp.Table):
            schema, name = table_name(t)
            out[t.alias_or_name] = f"{schema or 'public'}.{name}"
    return out


def _resolve(schema: Schema, col: exp.Column, outer: str) -> str:
    """A column's table: by its qualifier, else the nearest SELECT source that has it, else ``outer``."""
    select = col.find_ancestor(exp.Select)
    qualifier = col.table
    while select is not None:
        sources = _sources(select)
        if qualifier and qualifier in sources:
            return sources[qualifier]
        if not qualifier:
            having = [
                t for t in sources.values() if (tb := schema.table(t)) is not None and tb.column(ident(col))
            ]
            if having:
                return having[0]
            if len(sources) == 1 and select.find_ancestor(exp.Select) is None:
                return next(iter(sources.values()))
        select = select.find_ancestor(exp.Select)
    return outer


def entity_of(schema: Schema, table: str, column: str) -> str | None:
    """The entity a column identifies: the table its one-column FK references, or its own table for its key.

    >>> from schemalens.core.model import ForeignKey, Table
    >>> s = Schema(tables=(Table("public.u", primary_key=("id",)),),
    ...            foreign_keys=(ForeignKey("f", "public.c", ("user_id",), "auth.users", ("id",)),))
    >>> entity_of(s, "public.c", "user_id"), entity_of(s, "public.u", "id"), entity_of(s, "public.u", "x")
    ('auth.users', 'public.u', None)
    """
    fk = _single_fk(schema, table, column)
    if fk is not None:
        return fk.ref_table
    t = schema.table(table)
    return table if t is not None and t.primary_key == (column,) else None


def _single_fk(schema: Schema, table: str, column: str) -> ForeignKey | None:
    return next((fk for fk in schema.foreign_keys_from(table) if fk.columns == (column,)), None)


def fk_path(schema: Schema, table: str, target: str) -> tuple[str, ...]:
    """The shortest chain of foreign keys from ``table`` up to ``target`` (both included), or ``()``."""
    if table == target:
        return (table,)
    seen, queue = {table: None}, deque([table])
    while queue:
        node = queue.popleft()
        for fk in sorted(schema.foreign_keys_from(node), key=lambda f: f.ref_table):
            if fk.ref_table not in seen:
                seen[fk.ref_table] = node
                if fk.ref_table == target:
                    path = [target]
                    while seen[path[-1]] is not None:
                        path.append(seen[path[-1]])
                    return tuple(reversed(path))
                queue.append(fk.ref_table)
    return ()


# Comparisons with auth.uid() ------------------------------------------------------------------------


def _comparisons(
    schema: Schema, node: exp.Expression, outer: str, via: str = "", direct_in: exp.Select | None = None
) -> list[AuthComparison]:
    """``auth.uid() = column`` comparisons under ``node``; only those of ``direct_in`` itself when given."""
    out = []
    for eq in node.find_all(exp.EQ):
        if direct_in is not None and eq.find_ancestor(exp.Select) is not direct_in:
            continue
        for a, b in ((eq.this, eq.expression), (eq.expression, eq.this)):
            if is_auth_uid(a) and isinstance(b, exp.Column):
                out.append(AuthComparison(_resolve(schema, b, outer), ident(b), eq.sql(dialect=DIALECT), via))
    return out


def _function(schema: Schema, name: str) -> Function | None:
    return next((f for f in schema.functions if f.name == name), None)


def _body(fn: Function) -> exp.Select | None:
    tree = parse_predicate(fn.body.strip().rstrip(";")) if fn.body else None
    return tree if isinstance(tree, exp.Select) else None


def _helper_calls(schema: Schema, node: exp.Expression) -> list[tuple[str, exp.Select]]:
    out = []
    for call in list(node.find_all(exp.Anonymous)) + list(node.find_all(exp.Dot)):
        name = _call_name(call)
        if (
            name
            and not is_auth_uid(call)
            and not (isinstance(call, exp.Anonymous) and isinstance(call.parent, exp.Dot))
        ):
            fn = _function(schema, name)
            body = _body(fn) if fn is not None else None
            if body is not None:
                out.append((name, body))
    return out


# Terms ------------------------------------------------------------------------------------------------


def _select_scope(schema: Schema, select: exp.Select, outer: str, depth: int = 0):
    """(scope, helpers) of a membership subquery: the entity its selected column names, the user bound."""
    if depth > 8:
        return None, ()
    sources = _sources(select)
    selected = select.expressions[0] if select.expressions else None
    sel_table = _resolve(schema, selected, outer) if isinstance(selected, exp.Column) else None
    sel_entity = entity_of(schema, sel_table, ident(selected)) if sel_table else None
    if _comparisons(schema, select, outer, direct_in=select):
        return sel_entity, ()
    where = select.args.get("where")
    for node in ([where] if where is not None else []) + [j for j in select.args.get("joins") or []]:
        for cond in node.find_all(exp.In, exp.EQ):
            if cond.find_ancestor(exp.Select) is not select:
                continue
            q = cond.args.get("query")
            if isinstance(cond, exp.In) and isinstance(q, exp.Subquery) and isinstance(q.this, exp.Select):
                scope, helpers = _select_scope(schema, q.this, next(iter(sources.values()), outer), depth + 1)
                if scope:
                    return scope, helpers
            for name, body in _helper_calls(schema, cond):
                scope, helpers = _select_scope(schema, body, outer, depth + 1)
                if scope:
                    return scope, (name,) + helpers
    return None, ()


def _disjuncts(node: exp.Expression) -> list[exp.Expression]:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Or):
        return _disjuncts(node.this) + _disjuncts(node.expression)
    return [node]


def _conjuncts(node: exp.Expression) -> list[exp.Expression]:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.And):
        return _conjuncts(node.this) + _conjuncts(node.expression)
    return [node]


def _atom(
    schema: Schema, node: exp.Expression, table: str
) -> tuple[str, str | None, str | None, tuple[str, ...]]:
    """(kind, column, scope, helpers) of one condition of a policy on ``table``."""
    if isinstance(node, exp.Boolean) and node.this:
        return "public", None, None, ()
    if isinstance(node, exp.EQ):
        for a, b in ((node.this, node.expression), (node.expression, node.this)):
            if isinstance(b, exp.Column) and b.find_ancestor(exp.Select) is None:
                column = ident(b)
                if is_auth_uid(a):
                    t = schema.table(table)
                    is_key = t is not None and t.primary_key == (column,)
                    return (
                        ("self" if is_key else "owner"),
                        column,
                        entity_of(schema, table, column) or AUTH_USERS,
                        (),
                    )
                for name, body in _helper_calls(schema, a):
                    scope, helpers = _select_scope(schema, body, table)
                    if scope:
                        return "helper", column, scope, (name,) + helpers
    if isinstance(node, exp.In) and isinstance(node.this, exp.Column):
        q = node.args.get("query")
        if isinstance(q, exp.Subquery) and isinstance(q.this, exp.Select):
            scope, helpers = _select_scope(schema, q.this, table)
            if scope:
                return "membership", ident(node.this), scope, helpers
    if isinstance(node, exp.Exists) and isinstance(node.this, exp.Select):
        return _exists(schema, node.this, table)
    return "other", None, None, ()


def _exists(schema: Schema, select: exp.Select, table: str):
    inner = set(_sources(select).values())
    for eq in select.find_all(exp.EQ):
        a, b = eq.this, eq.expression
        if isinstance(a, exp.Column) and isinstance(b, exp.Column):
            ta, tb = _resolve(schema, a, table), _resolve(schema, b, table)
            pairs = [(a, ta, b, tb), (b, tb, a, ta)]
            for oc, ot, ic, it in pairs:
                if (
                    ot == table
                    and (oc.table == table.split(".")[-1] or not oc.table)
                    and it in inner
                    and it != table
                ):
                    if _comparisons(schema, select, table) or _helper_calls(schema, select):
                        return (
                            "membership",
                            ident(oc),
                            entity_of(schema, table, ident(oc)) or entity_of(schema, it, ident(ic)),
                            (),
                        )
    if _comparisons(schema, select, table) or _helper_calls(schema, select):
        return "gate", None, None, ()
    return "other", None, None, ()


def explain(schema: Schema, policy: Policy) -> PolicyMeaning:
    """The meaning of a policy's USING clause (its WITH CHECK when it has no USING)."""
    clause, text = ("using", policy.using) if policy.using else ("with_check", policy.with_check)
    tree = parse_predicate(text)
    if tree is None:
        term = Term("other", None, None, (), (), (), text or "")
        return PolicyMeaning(policy, clause, (term,))
    terms = []
    for part in _disjuncts(tree):
        kind, column, scope, helpers = "other", None, None, ()
        for cond in _conjuncts(part):
            kind, column, scope, helpers = _atom(schema, cond, policy.table)
            if kind != "other":
                break
        comparisons = _comparisons(schema, part, policy.table)
        for name, body in _helper_calls(schema, part):
            comparisons += _comparisons(schema, body, policy.table, via=name)
        chain = fk_path(schema, policy.table, scope) if scope else ()
        terms.append(
            Term(
                kind,
                column,
                scope,
                chain,
                tuple(dict.fromkeys(comparisons)),
                helpers,
                part.sql(dialect=DIALECT),
            )
        )
    return PolicyMeaning(policy, clause, tuple(terms))


def table_scopes(schema: Schema, table: str) -> dict[str, list[PolicyMeaning]]:
    """``{scope: [policies]}`` from the policies that decide what a user sees (SELECT / ALL; else any)."""
    policies = schema.policies_on(table)
    visible = [p for p in policies if p.command in VISIBILITY] or list(policies)
    out: dict[str, list[PolicyMeaning]] = {}
    for p in visible:
        meaning = explain(schema, p)
        for scope in meaning.scopes:
            out.setdefault(scope, []).append(meaning)
    return out


# Is a key tied to auth.users? --------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthLink:
    """How ``table.column`` follows ``auth.users``: through foreign keys, or a trigger on ``auth.users``."""

    kind: str  # "foreign key" | "trigger" | "none"
    terminal: tuple[str, str]  # the key at the end of the FK chain (``auth.users.id`` when tied by FKs)
    foreign_keys: tuple[ForeignKey, ...] = ()
    trigger: Trigger | None = None


def auth_link(schema: Schema, table: str, column: str) -> AuthLink:
    """Follow single-column FKs from ``table.column``; tied when they reach ``auth.users`` or a trigger on
    ``auth.users`` writes the table at the end of the chain (its function's body inserts into that table).
    """
    chain, key = [], (table, column)
    while key[0] != AUTH_USERS:
        fk = _single_fk(schema, *key)
        if fk is None or fk in chain:
            break
        chain.append(fk)
        key = (fk.ref_table, fk.ref_columns[0])
    if key[0] == AUTH_USERS:
        return AuthLink("foreign key", key, tuple(chain))
    for trig in auth_triggers(schema):
        fn = next((f for f in schema.functions if f.name == trig.function), None)
        if fn is not None and _writes(fn.body, key[0]):
            return AuthLink("trigger", key, tuple(chain), trig)
    return AuthLink("none", key, tuple(chain))


def auth_triggers(schema: Schema) -> tuple[Trigger, ...]:
    """Triggers on ``auth.users`` (replay keeps them although the migrations never create that table)."""
    return schema.triggers_on(AUTH_USERS)


def _writes(body: str, table: str) -> bool:
    schema, name = table.split(".", 1)
    target = rf'(?:"?{re.escape(schema)}"?\.)?"?{re.escape(name)}"?'
    return (
        re.search(rf"\b(?:INSERT\s+INTO|UPDATE|MERGE\s+INTO)\s+{target}\b", body or "", re.IGNORECASE)
        is not None
    )


def identity_keys(schema: Schema) -> dict[tuple[str, str], list[tuple[Policy, AuthComparison]]]:
    """Every ``table.column`` that a policy (or a helper it calls) compares with ``auth.uid()``."""
    out: dict[tuple[str, str], list[tuple[Policy, AuthComparison]]] = {}
    for p in schema.policies:
        for text in (p.using, p.with_check):
            tree = parse_predicate(text)
            if tree is None:
                continue
            found = _comparisons(schema, tree, p.table)
            for name, body in _helper_calls(schema, tree):
                found += _comparisons(schema, body, p.table, via=name)
            for c in found:
                uses = out.setdefault((c.table, c.column), [])
                if all(q is not p or d != c for q, d in uses):
                    uses.append((p, c))
    return out


__all__ = [
    "AUTH_USERS",
    "AuthComparison",
    "AuthLink",
    "PolicyMeaning",
    "Term",
    "auth_link",
    "auth_triggers",
    "entity_of",
    "explain",
    "fk_path",
    "identity_keys",
    "is_auth_uid",
    "parse_predicate",
    "table_scopes",
]
