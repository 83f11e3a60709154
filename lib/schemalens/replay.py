"""Typed statements -> :class:`~schemalens.model.Schema`, applied in order as PostgreSQL would.

Creates, alters, renames and drops of tables, columns and constraints; RLS flags and policies;
enums, functions, triggers, indexes and views. What cannot be applied (an ``ALTER`` of a table that
does not exist, a column that is not there) becomes a warning with the statement's file:line;
statements the parser did not understand are carried into ``Schema.unparsed``.

>>> from schemalens.parse import split_and_parse
>>> s = replay(split_and_parse("CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (a_id int REFERENCES a);", "1.sql"))
>>> s.foreign_keys[0].name, s.foreign_keys[0].ref_columns
('b_a_id_fkey', ('id',))
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Iterable

import sqlglot
from sqlglot import exp

from schemalens.model import (
    Column, EnumType, ForeignKey, Function, Index, Policy, Schema, Source, Table, Trigger, UniqueConstraint,
    API_ROLES, NOWHERE, TABLE_PRIVILEGES, Unparsed, View, build_schema, default_grants, truncate_identifier,
)
from schemalens.parse import (
    NOT_ANALYSED, UNPARSED, AlterTypeStmt, ConstraintStmt, DropNamesStmt, FunctionStmt, PolicyStmt, PrivilegeStmt,
    RlsStmt, Statement, column_references, ident, lower_unquoted, mentions, replace_spans, table_name,
    table_references, to_sql,
)
from schemalens.names import quote_ident

# Tables that migrations reference but do not create, with their primary keys (Supabase's).
EXTERNAL_PRIMARY_KEYS = {"auth.users": ("id",), "storage.objects": ("id",), "storage.buckets": ("id",)}

_ACTIONS = {"CASCADE": "CASCADE", "RESTRICT": "RESTRICT", "SET NULL": "SET NULL", "SET DEFAULT": "SET DEFAULT",
            "NO ACTION": "NO ACTION"}


_SIMPLE_TYPES: dict[object, str] = {}


def _type_text(kind: exp.DataType) -> str:
    """A column type as stored: ``uuid``, ``varchar(20)``; a plain type (nothing set but the type) is
    rendered once."""
    simple = all(k == "this" or not v for k, v in kind.args.items())
    if simple and kind.this in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[kind.this]
    text = lower_unquoted(to_sql(kind))
    if simple:
        _SIMPLE_TYPES[kind.this] = text
    return text


class ReplayWarning(Exception):
    """A statement that could not be applied to the model; becomes a warning."""


def make_object_name(name1: str, name2: str, label: str) -> str:
    """PostgreSQL's ``makeObjectName``: ``name1_name2_label`` shortened to fit 63 bytes.

    >>> make_object_name("users", "client_id", "fkey")
    'users_client_id_fkey'
    >>> len(make_object_name("a" * 40, "b" * 40, "fkey"))
    63
    """
    overhead = len(label) + 1 + (1 if name2 else 0)
    n1, n2 = len(name1.encode()), len(name2.encode()) if name2 else 0
    avail = 63 - overhead
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    parts = [truncate_identifier(name1.encode()[:n1].decode(errors="ignore"))]
    if name2:
        parts.append(name2.encode()[:n2].decode(errors="ignore"))
    return "_".join(parts + [label])


def _schema_of(table: str) -> str:
    return table.split(".", 1)[0]


# What the stores below index by: module-level functions, not lambdas, so that a replay state pickles
# (:mod:`schemalens.snapshots` keeps it between runs).
def _fk_tables(fk: ForeignKey) -> set[str]:
    return {fk.table, fk.ref_table}


def _fk_name(fk: ForeignKey) -> tuple[str, str]:
    return _schema_of(fk.table), fk.name


def _on_table(item) -> tuple[str]:
    return (item.table,)


def _index_name(index: Index) -> tuple[str, str]:
    return _schema_of(index.table), index.name


class _Store:
    """Objects by key, indexed by the tables they touch, so that a rename or a drop visits only
    those; with ``taken``, it also counts the names it holds per schema (PostgreSQL's default names
    must avoid them)."""

    def __init__(self, tables_of, name_of=None, taken: Counter | None = None) -> None:
        self._by_key: dict = {}
        self._by_table: dict[str, set] = {}
        self._tables_of, self._name_of, self._taken = tables_of, name_of, taken

    def __setitem__(self, key, item) -> None:
        if key in self._by_key:
            del self[key]
        self._by_key[key] = item
        for table in self._tables_of(item):
            self._by_table.setdefault(table, set()).add(key)
        if self._taken is not None:
            self._taken[self._name_of(item)] += 1

    def __delitem__(self, key) -> None:
        item = self._by_key.pop(key)
        for table in self._tables_of(item):
            self._by_table[table].discard(key)
        if self._taken is not None:
            self._taken[self._name_of(item)] -= 1

    def __getitem__(self, key):
        return self._by_key[key]

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def get(self, key, default=None):
        return self._by_key.get(key, default)

    def pop(self, key, default=None):
        if key not in self._by_key:
            return default
        item = self._by_key[key]
        del self[key]
        return item

    def items(self):
        return self._by_key.items()

    def values(self):
        return self._by_key.values()

    def touching(self, table: str) -> list:
        """(key, item) of every object that touches ``table``, in key order (a snapshot)."""
        return [(k, self._by_key[k]) for k in sorted(self._by_table.get(table, ()))]


class _Policies(_Store):
    """Policies by (table, name), also indexed by each word of their predicates."""

    def __init__(self) -> None:
        super().__init__(_on_table)
        self._by_word: dict[str, set[tuple[str, str]]] = {}

    @staticmethod
    def _words(policy: Policy) -> set[str]:
        return set(re.findall(r"[\w$]+", f"{policy.using or ''} {policy.with_check or ''}".lower()))

    def __setitem__(self, key: tuple[str, str], policy: Policy) -> None:
        super().__setitem__(key, policy)
        for word in self._words(policy):
            self._by_word.setdefault(word, set()).add(key)

    def __delitem__(self, key: tuple[str, str]) -> None:
        policy = self._by_key[key]
        super().__delitem__(key)
        for word in self._words(policy):
            self._by_word[word].discard(key)

    def mentioning(self, word: str) -> list[tuple[tuple[str, str], Policy]]:
        """The policies whose predicates contain ``word`` (its first word, for a quoted name with spaces)."""
        first = (re.findall(r"[\w$]+", word.lower()) or [""])[0]
        return [(k, self._by_key[k]) for k in sorted(self._by_word.get(first, ()))]

    def rekey_table(self, old: str, new: str) -> None:
        for key, policy in self.touching(old):
            del self[key]
            self[(new, key[1])] = replace(policy, table=new)

    def drop_table(self, name: str) -> None:
        for key, _ in self.touching(name):
            del self[key]


@dataclass
class _TableState:
    name: str
    columns: dict[str, Column]
    source: Source
    primary_key: tuple[str, ...] = ()
    primary_key_name: str | None = None
    uniques: dict[str, UniqueConstraint] = field(default_factory=dict)
    rls_enabled: bool = False
    rls_forced: bool = False
    partition_of: str | None = None
    partitioned: bool = False  # some table was created as a partition of this one
    grants: dict[str, set[str]] | None = None  # None: the defaults (model.default_grants)
    grants_source: Source | None = None

    def freeze(self) -> Table:
        grants = None if self.grants is None else tuple(
            (role, tuple(sorted(privs))) for role, privs in sorted(self.grants.items()) if privs)
        return Table(self.name, tuple(self.columns.values()), self.primary_key, self.primary_key_name,
                     tuple(sorted(self.uniques.values(), key=lambda u: u.name)), self.rls_enabled, self.rls_forced,
                     self.partition_of, self.source, grants, self.grants_source or NOWHERE)


from schemalens.replay_forms import FormsReplay, figure_name  # it uses ReplayWarning and _type_text above


class _Replayer(FormsReplay):
    def __init__(self) -> None:
        self.tables: dict[str, _TableState] = {}
        self._taken: Counter = Counter()  # (schema, name) of constraints and indexes
        self.fks = _Store(_fk_tables, _fk_name, self._taken)
        self.policies = _Policies()
        self.indexes = _Store(_on_table, _index_name, self._taken)
        self.enums: dict[str, EnumType] = {}
        self.functions: dict[tuple[str, str], Function] = {}
        self.triggers = _Store(_on_table)
        self.views: dict[str, View] = {}
        self.checks: dict[tuple[str, str], frozenset[str]] = {}  # CHECK constraints: (table, name) -> columns
        self.partition_indexes: dict[str, dict[str, str]] = {}  # partition -> {parent index: its part's name}
        self.view_uses: dict[str, set[tuple[str, str]]] = {}  # view -> (table, column) its query uses
        self.search_path: tuple[str, ...] = ("public",)
        self.collations: dict[tuple[str, str], str] = {}  # (table, column) -> its COLLATE, when one is given
        self.warnings: list[Unparsed] = []
        self.unparsed: list[Unparsed] = []
        self.not_analysed: list[Unparsed] = []
        self.coverage: Counter = Counter()

    # names ------------------------------------------------------------------------------
    @property
    def default_schema(self) -> str:
        return next((s for s in self.search_path if s not in ("$user", "pg_catalog")), "public")

    def qname(self, node: exp.Table | exp.Schema, *, existing: bool = True) -> str:
        """``schema.table``: an unqualified name resolves through the search_path as PostgreSQL does."""
        schema, name = table_name(node)
        if schema:
            return f"{schema}.{name}"
        if existing:
            for s in self.search_path:
                if f"{s}.{name}" in self.tables or f"{s}.{name}" in self.views:
                    return f"{s}.{name}"
        return f"{self.default_schema}.{name}"

    def plain_qname(self, name: str) -> str:
        return name if "." in name else f"{self.default_schema}.{name}"

    def table(self, name: str, missing_ok: bool = False) -> _TableState | None:
        state = self.tables.get(name)
        if state is None and not missing_ok:
            raise ReplayWarning(f"table {name} does not exist")
        return state

    def claim(self, table: str, name: str | None) -> None:
        """A key or unique constraint takes ``name`` in its schema (FKs and indexes count themselves)."""
        if name:
            self._taken[(_schema_of(table), name)] += 1

    def release(self, table: str, name: str | None) -> None:
        if name:
            self._taken[(_schema_of(table), name)] -= 1

    def choose_name(self, table: str, columns: Iterable[str], label: str) -> str:
        """PostgreSQL's ChooseConstraintName: a default name, numbered when taken in the schema."""
        schema, rel = table.split(".", 1)
        cols = "_".join(columns)
        name, n = make_object_name(rel, cols, label), 0
        while self._taken[(schema, name)] > 0:
            n += 1
            name = make_object_name(rel, cols, f"{label}{n}")
        return name

    # statements -------------------------------------------------------------------------
    def apply(self, st: Statement) -> None:
        self.coverage[(st.kind, st.status)] += 1
        if st.status == UNPARSED:
            self.unparsed.append(Unparsed(st.source, st.text, st.reason))
            return
        if st.status == NOT_ANALYSED:
            self.not_analysed.append(Unparsed(st.source, st.text, st.reason))
            return
        handler = getattr(self, "_" + st.kind.replace(" ", "_"), None)
        if handler is None:
            return  # understood and schema-neutral (GRANT, COMMENT, BEGIN, data statements)
        try:
            handler(st.node, st)
        except ReplayWarning as w:
            self.warnings.append(Unparsed(st.source, st.text, str(w)))
        except Exception as e:  # noqa: BLE001 - a statement we could not apply is reported, never fatal
            self.warnings.append(Unparsed(st.source, st.text, f"could not apply ({type(e).__name__}: {e})"))

    def src(self, st: Statement, node: exp.Expression | None = None) -> Source:
        """The file:line of ``node`` inside the statement (its first identifier), else the statement's."""
        if node is not None:
            first = node if isinstance(node, exp.Identifier) else node.find(exp.Identifier)
            line = first.meta.get("line") if first is not None else None
            if line:
                return Source(st.source.file, st.line_offset + line)
        return st.source

    # GRANT / REVOKE ---------------------------------------------------------------------
    def _grant(self, node: PrivilegeStmt, st: Statement) -> None:
        for state in self._privilege_tables(node):
            if state.grants is None:
                state.grants = {r: set(p) for r, p in default_grants(state.name).items()}
            if set(node.roles) & {*API_ROLES, "public"}:
                state.grants_source = st.source
            privileges = TABLE_PRIVILEGES if node.privileges == ("ALL",) else node.privileges
            for role in node.roles:
                held = state.grants.setdefault(role, set())
                if node.action == "grant":
                    held.update(f"{p} (columns)" if node.columns else p for p in privileges)
                elif not node.columns and not node.grant_option_only:
                    held.difference_update(privileges)
                    if node.privileges == ("ALL",):  # REVOKE ALL takes column privileges too
                        held.difference_update({h for h in held if h.endswith("(columns)")})

    _revoke = _grant

    def _privilege_tables(self, node: PrivilegeStmt) -> list[_TableState]:
        """The tables a GRANT/REVOKE names (a name that is no table, e.g. a view or sequence, is skipped)."""
        if node.on == "all tables":
            return [t for t in self.tables.values() if t.name.split(".", 1)[0] in node.schemas]
        if node.on != "table":
            return []
        return [t for t in (self.tables.get(self.qname(tbl)) for tbl in node.tables) if t is not None]

    # CREATE TABLE -----------------------------------------------------------------------
    def _create_table(self, node: exp.Create, st: Statement) -> None:
        target = node.this
        name = self.qname(target, existing=False)
        if name in self.tables:
            if node.args.get("exists"):
                return
            raise ReplayWarning(f"table {name} already exists")
        props = node.args.get("properties")
        parent = props.find(exp.PartitionedOfProperty) if props else None
        if node.expression is not None:
            return self.create_table_as(node, name, st)
        state = _TableState(name, {}, self.src(st, target.this if isinstance(target, exp.Schema) else target))
        self.tables[name] = state
        if parent is not None:
            pname = self.qname(parent.this)
            pstate = self.table(pname)
            state.partition_of = pname
            pstate.partitioned = True
            state.columns = dict(pstate.columns)
            state.primary_key = pstate.primary_key
            state.primary_key_name = make_object_name(name.split(".", 1)[1], "", "pkey") if pstate.primary_key else None
            self.claim(name, state.primary_key_name)
        if isinstance(target, exp.Schema):
            for item in target.expressions:
                if isinstance(item, exp.ColumnDef):
                    self.add_column(state, item, st)
                else:
                    self.add_constraint(state, item, st)
            for uname in [n for n, u in state.uniques.items() if u.columns == state.primary_key]:
                self.release(name, uname)  # PostgreSQL makes one index for UNIQUE and PRIMARY KEY on the same columns
                del state.uniques[uname]

    def add_column(self, state: _TableState, cd: exp.ColumnDef, st: Statement, if_not_exists: bool = False) -> None:
        name = ident(cd.this)
        if name in state.columns:
            if if_not_exists:
                return
            raise ReplayWarning(f"column {name} of {state.name} already exists")
        kind = cd.args.get("kind")
        type_text = _type_text(kind) if kind is not None else ""
        nullable, default = True, None
        for cons in cd.args.get("constraints") or []:
            k = cons.args.get("kind")
            if isinstance(k, exp.NotNullColumnConstraint):
                nullable = bool(k.args.get("allow_null"))
            elif isinstance(k, exp.PrimaryKeyColumnConstraint):
                nullable = False
            elif isinstance(k, exp.DefaultColumnConstraint):
                default = to_sql(k.this)
            elif isinstance(k, exp.GeneratedAsIdentityColumnConstraint):
                nullable = False
            elif isinstance(k, exp.CollateColumnConstraint):
                self.collations[(state.name, name)] = ident(k.this)
        if type_text in ("serial", "bigserial", "smallserial") or (kind is not None and kind.this in (
                exp.DataType.Type.SERIAL, exp.DataType.Type.BIGSERIAL, exp.DataType.Type.SMALLSERIAL)):
            nullable = False
        state.columns[name] = Column(name, type_text, nullable, default, self.src(st, cd.this))
        for cons in cd.args.get("constraints") or []:
            k = cons.args.get("kind")
            cname = ident(cons.this) if cons.this else None
            if isinstance(k, exp.PrimaryKeyColumnConstraint):
                self.set_primary_key(state, (name,), cname)
            elif isinstance(k, exp.UniqueColumnConstraint):
                self.add_unique(state, (name,), cname, self.src(st, cd.this))
            elif isinstance(k, exp.Reference):
                self.add_fk(state, (name,), k, cname, st, self.src(st, cd.this))
            elif isinstance(k, exp.CheckColumnConstraint):
                self.add_check(state, cname, k.this)

    def set_primary_key(self, state: _TableState, columns: tuple[str, ...], name: str | None) -> None:
        if state.primary_key:
            raise ReplayWarning(f"multiple primary keys for table {state.name} are not allowed")
        state.primary_key = columns
        state.primary_key_name = name or self.choose_name(state.name, (), "pkey")
        self.claim(state.name, state.primary_key_name)
        for c in columns:
            if c in state.columns:
                state.columns[c] = replace(state.columns[c], nullable=False)

    def add_unique(self, state: _TableState, columns: tuple[str, ...], name: str | None, source: Source) -> None:
        name = name or self.choose_name(state.name, columns, "key")
        state.uniques[name] = UniqueConstraint(name, columns, source)
        self.claim(state.name, name)

    def add_constraint(self, state: _TableState, item: exp.Expression, st: Statement, not_valid: bool = False) -> None:
        name = None
        if isinstance(item, exp.Constraint):
            name = ident(item.this)
            inner = item.expressions
        else:
            inner = [item]
        for c in inner:
            if isinstance(c, exp.PrimaryKey) or isinstance(c, exp.PrimaryKeyColumnConstraint):
                self.set_primary_key(state, tuple(ident(e) for e in c.expressions), name)
            elif isinstance(c, exp.UniqueColumnConstraint):
                cols = c.this.expressions if isinstance(c.this, exp.Schema) else c.expressions
                self.add_unique(state, tuple(ident(e) for e in cols), name, self.src(st, item))
            elif isinstance(c, exp.ForeignKey):
                cols = tuple(ident(e) for e in c.expressions)
                self.add_fk(state, cols, c.args["reference"], name, st, self.src(st, item), not_valid, c)
            elif isinstance(c, exp.CheckColumnConstraint):
                self.add_check(state, name, c.this)
            # EXCLUDE: not modelled

    def add_fk(self, state: _TableState, columns: tuple[str, ...], ref: exp.Reference, name: str | None,
               st: Statement, source: Source, not_valid: bool = False, fk: exp.ForeignKey | None = None) -> None:
        target = ref.this
        ref_table = self.qname(target)
        ref_cols = tuple(ident(e) for e in target.expressions) if isinstance(target, exp.Schema) else ()
        if not ref_cols:
            if ref_table == state.name:
                ref_cols = state.primary_key
            elif ref_table in self.tables:
                ref_cols = self.tables[ref_table].primary_key
            else:
                ref_cols = EXTERNAL_PRIMARY_KEYS.get(ref_table, ())
            if not ref_cols:
                raise ReplayWarning(f"REFERENCES {ref_table} without columns, and its primary key is not known")
        if ref_table not in self.tables and ref_table not in EXTERNAL_PRIMARY_KEYS:
            self.warnings.append(Unparsed(source, st.text,
                                          f"foreign key to {ref_table}, which the migrations never create"))
        options = " ".join(str(o).upper() for o in (ref.args.get("options") or []))
        if fk is not None:
            for key in ("delete", "update"):
                if fk.args.get(key):
                    options += f" ON {key.upper()} {str(fk.args[key]).upper()}"
        on_delete = _action(options, "DELETE")
        on_update = _action(options, "UPDATE")
        name = name or self.choose_name(state.name, columns, "fkey")
        key = (state.name, name)
        if key in self.fks:
            raise ReplayWarning(f"constraint {name} for relation {state.name} already exists")
        self.fks[key] = ForeignKey(name, state.name, columns, ref_table, ref_cols, on_delete, on_update,
                                   not not_valid, source)

    # ALTER TABLE ------------------------------------------------------------------------
    def _alter_table(self, node: exp.Alter, st: Statement) -> None:
        name = self.qname(node.this)
        state = self.table(name, missing_ok=bool(node.args.get("exists")))
        if state is None:
            return
        for action in node.args.get("actions") or []:
            try:
                self.alter_action(state, action, node, st)
            except ReplayWarning as w:
                self.warnings.append(Unparsed(st.source, st.text, str(w)))
            state = self.tables.get(state.name, state)

    def alter_action(self, state: _TableState, action: exp.Expression, node: exp.Alter, st: Statement) -> None:
        if isinstance(action, exp.ColumnDef):
            self.add_column(state, action, st, bool(action.args.get("exists")))
        elif isinstance(action, exp.AddConstraint):
            for item in action.expressions:
                self.add_constraint(state, item, st, bool(node.args.get("not_valid")))
        elif isinstance(action, exp.AlterRename):
            self.rename_table(state, action.this)
        elif isinstance(action, exp.RenameColumn):
            self.rename_column(state, ident(action.this), ident(action.args["to"]), bool(action.args.get("exists")))
        elif isinstance(action, exp.Drop):
            kind = str(action.args.get("kind") or "").upper()
            for target in action.args.get("tables") or []:
                if kind == "COLUMN":
                    self.drop_column(state, ident(target), bool(action.args.get("exists")),
                                     bool(action.args.get("cascade")))
                elif kind == "CONSTRAINT":
                    self.drop_constraint(state, ident(target), bool(action.args.get("exists")))
                else:
                    raise ReplayWarning(f"ALTER TABLE … DROP {kind} is not modelled")
        elif isinstance(action, exp.AlterColumn):
            self.alter_column(state, action)
        else:
            raise ReplayWarning(f"ALTER TABLE action {to_sql(action)[:60]!r} is not modelled")

    def alter_column(self, state: _TableState, action: exp.AlterColumn) -> None:
        cname = ident(action.this)
        col = state.columns.get(cname)
        if col is None:
            raise ReplayWarning(f"column {cname} of {state.name} does not exist")
        if action.args.get("dtype") is not None:
            col = replace(col, type=lower_unquoted(to_sql(action.args["dtype"])))
        if action.args.get("allow_null") is not None:
            col = replace(col, nullable=bool(action.args["allow_null"]))
        if action.args.get("drop") and action.args.get("allow_null") is None:
            col = replace(col, default=None)  # DROP DEFAULT
        if action.args.get("default") is not None:
            col = replace(col, default=to_sql(action.args["default"]))
        state.columns[cname] = col

    def rename_table(self, state: _TableState, to: exp.Table) -> None:
        schema = state.name.split(".", 1)[0]
        new = f"{schema}.{ident(to)}"
        if new in self.tables:
            raise ReplayWarning(f"relation {new} already exists")
        old = state.name
        self.rewrite_predicates(old.split(".", 1)[1], lambda p, text: [
            (node, quote_ident(new.split(".", 1)[1])) for node, name in table_references(text, p.table, self.qname)
            if name == old])
        del self.tables[old]
        state.name = new
        self.tables[new] = state
        for (t, n), fk in self.fks.touching(old):
            del self.fks[(t, n)]
            self.fks[(new if t == old else t, n)] = replace(
                fk, table=new if fk.table == old else fk.table, ref_table=new if fk.ref_table == old else fk.ref_table)
        self.policies.rekey_table(old, new)
        for (t, n), trigger in self.triggers.touching(old):
            del self.triggers[(t, n)]
            self.triggers[(new, n)] = replace(trigger, table=new)
        self.renamed_relation(old, new)
        if state.partitioned:  # its partitions name it as their parent
            for t in self.tables.values():
                if t.partition_of == old:
                    t.partition_of = new

    def rename_column(self, state: _TableState, old: str, new: str, if_exists: bool = False) -> None:
        if old not in state.columns:
            if if_exists:
                return
            raise ReplayWarning(f"column {old} of {state.name} does not exist")
        if new in state.columns:
            raise ReplayWarning(f"column {new} of {state.name} already exists")
        self.rewrite_predicates(old, lambda p, text: [
            (node, quote_ident(new)) for node, owner in column_references(text, p.table, self.qname, self.columns_of)
            if owner == state.name and ident(node) == old])
        for key, index in self.indexes.touching(state.name):  # before the rename: the expressions name old
            self.indexes[key] = replace(index, columns=tuple(self._renamed_in(c, state.name, old, new)
                                                             for c in index.columns))
        state.columns = {(new if k == old else k): (replace(c, name=new) if k == old else c)
                         for k, c in state.columns.items()}
        self.renamed_column(state.name, old, new)

        def swap(cols: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(new if c == old else c for c in cols)

        state.primary_key = swap(state.primary_key)
        state.uniques = {n: replace(u, columns=swap(u.columns)) for n, u in state.uniques.items()}
        for key, fk in self.fks.touching(state.name):
            if fk.table == state.name:
                fk = replace(fk, columns=swap(fk.columns))
            if fk.ref_table == state.name:
                fk = replace(fk, ref_columns=swap(fk.ref_columns))
            self.fks[key] = fk
        for key, index in self.indexes.touching(state.name):
            self.indexes[key] = replace(index, columns=swap(index.columns))

    def _renamed_in(self, expression: str, table: str, old: str, new: str) -> str:
        """An index's expression column with column ``old`` of ``table`` renamed ``new``, as PostgreSQL
        keeps it (by number): ``lower(actor_id)`` becomes ``lower(ap_id)``."""
        if expression in (old, new) or not mentions(expression, old):  # a plain column: swapped by name
            return expression
        try:
            return replace_spans(expression, [(node, quote_ident(new)) for node, owner in column_references(
                expression, table, self.qname, self.columns_of) if owner == table and ident(node) == old])
        except Exception:  # noqa: BLE001 - an expression sqlglot cannot read keeps its text
            return expression

    def columns_of(self, table: str) -> set[str]:
        state = self.tables.get(table)
        return set(state.columns) if state is not None else set()

    def policies_mentioning(self, name: str) -> list[tuple[tuple[str, str], Policy]]:
        """The policies whose predicates have ``name`` as a word (a test run before parsing any)."""
        return [(k, p) for k, p in self.policies.mentioning(name)
                if mentions(p.using or "", name) or mentions(p.with_check or "", name)]

    def rewrite_predicates(self, name: str, references) -> None:
        """Rename in every policy predicate that mentions ``name``, as PostgreSQL does (it keeps ids):
        ``references(policy, text)`` gives the (identifier node, new text) pairs to replace."""
        for key, policy in self.policies_mentioning(name):
            changes = {}
            for field_name in ("using", "with_check"):
                text = getattr(policy, field_name)
                if text and mentions(text, name):
                    try:
                        changes[field_name] = replace_spans(text, references(policy, text))
                    except Exception:  # noqa: BLE001 - a predicate sqlglot cannot read keeps its text
                        continue
            if changes:
                self.policies[key] = replace(policy, **changes)

    def policies_using(self, name: str, references) -> list[tuple[str, str]]:
        """Keys of the policies that ``references(policy, text) -> bool`` says depend on ``name``."""
        out = []
        for key, policy in self.policies_mentioning(name):
            for text in (policy.using, policy.with_check):
                try:
                    if text and mentions(text, name) and references(policy, text):
                        out.append(key)
                        break
                except Exception:  # noqa: BLE001 - unreadable: PostgreSQL would know, we cannot tell
                    continue
        return out

    def drop_column(self, state: _TableState, cname: str, if_exists: bool, cascade: bool) -> None:
        if cname not in state.columns:
            if if_exists:
                return
            raise ReplayWarning(f"column {cname} of {state.name} does not exist")
        incoming = [k for k, fk in self.fks.touching(state.name) if fk.ref_table == state.name and cname in fk.ref_columns
                    and not (fk.table == state.name and cname in fk.columns)]
        using = self.policies_using(cname, lambda p, text: any(
            owner == state.name and ident(node) == cname
            for node, owner in column_references(text, p.table, self.qname, self.columns_of)))
        if (incoming or using) and not cascade:
            raise ReplayWarning(f"cannot drop column {cname} of {state.name}: "
                                f"{', '.join(n for _, n in incoming + using)} depend on it (no CASCADE)")
        self.drop_views_using(state.name, cname, cascade)
        for key in using:
            del self.policies[key]
        del state.columns[cname]
        self.drop_checks_using(state, cname)
        for key, fk in self.fks.touching(state.name):
            if (fk.table == state.name and cname in fk.columns) or key in incoming or (
                    fk.ref_table == state.name and cname in fk.ref_columns):
                del self.fks[key]
        if cname in state.primary_key:
            self.release(state.name, state.primary_key_name)
            state.primary_key, state.primary_key_name = (), None
        for n in [n for n, u in state.uniques.items() if cname in u.columns]:
            self.release(state.name, n)
            del state.uniques[n]
        for key, index in self.indexes.touching(state.name):  # also an expression that uses it: lower(email)
            if cname in index.columns or any(_expression_uses(c, cname) for c in index.columns):
                del self.indexes[key]

    def drop_constraint(self, state: _TableState, cname: str, if_exists: bool) -> None:
        if (state.name, cname) in self.fks:
            del self.fks[(state.name, cname)]
        elif cname in state.uniques:
            del state.uniques[cname]
            self.release(state.name, cname)
        elif cname == state.primary_key_name:
            self.release(state.name, cname)
            state.primary_key, state.primary_key_name = (), None
        elif self.drop_check(state, cname):
            pass
        elif not if_exists:
            raise ReplayWarning(f"constraint {cname} of relation {state.name} does not exist")

    def _alter_table_rls(self, node: RlsStmt, st: Statement) -> None:
        state = self.table(self.qname(node.table), missing_ok=node.if_exists)
        if state is None:
            return
        if node.enable is not None:
            state.rls_enabled = node.enable
        if node.force is not None:
            state.rls_forced = node.force

    def _alter_table_validate(self, node: ConstraintStmt, st: Statement) -> None:
        table = self.qname(node.table)
        self.table(table)
        fk = self.fks.get((table, node.name))
        if fk is not None:
            self.fks[(table, node.name)] = replace(fk, validated=True)
        elif node.name not in self.tables[table].uniques and (table, node.name) not in self.checks:
            raise ReplayWarning(f"constraint {node.name} of relation {table} does not exist")

    def _alter_table_rename_constraint(self, node: ConstraintStmt, st: Statement) -> None:
        table = self.qname(node.table)
        state = self.table(table)
        if (table, node.name) in self.fks:
            self.fks[(table, node.new_name)] = replace(self.fks.pop((table, node.name)), name=node.new_name)
            return
        if node.name in state.uniques:
            state.uniques[node.new_name] = replace(state.uniques.pop(node.name), name=node.new_name)
        elif node.name == state.primary_key_name:
            state.primary_key_name = node.new_name
        else:
            raise ReplayWarning(f"constraint {node.name} of relation {table} does not exist")
        self.release(table, node.name)
        self.claim(table, node.new_name)

    def _alter_index(self, node: exp.Alter, st: Statement) -> None:
        key = self.plain_qname(".".join(filter(None, table_name(node.this))))
        index = self.indexes.get(key)
        if index is None:
            if node.args.get("exists") or self.rename_constraint_index(key, node):
                return
            raise ReplayWarning(f"index {key} does not exist")
        for action in node.args.get("actions") or []:
            if not isinstance(action, exp.AlterRename):
                raise ReplayWarning("ALTER INDEX other than RENAME is not modelled")
            new = ident(action.this)
            del self.indexes[key]
            self.indexes[f"{key.split('.', 1)[0]}.{new}"] = replace(index, name=new)

    def _alter_trigger(self, node: ConstraintStmt, st: Statement) -> None:
        table = self.qname(node.table)
        trigger = self.triggers.pop((table, node.name), None)
        if trigger is None:
            raise ReplayWarning(f"trigger {node.name} for table {table} does not exist")
        self.triggers[(table, node.new_name)] = replace(trigger, name=node.new_name)

    # DROP -------------------------------------------------------------------------------
    def _drop_table(self, node: exp.Drop, st: Statement) -> None:
        for target in node.args.get("tables") or []:
            name = self.qname(target)
            if name not in self.tables:
                if not node.args.get("exists"):
                    self.warnings.append(Unparsed(st.source, st.text, f"table {name} does not exist"))
                continue
            self.drop_table(name, bool(node.args.get("cascade")), st)

    def drop_table(self, name: str, cascade: bool, st: Statement) -> None:
        incoming = [fk for _, fk in self.fks.touching(name) if fk.ref_table == name and fk.table != name]
        using = [k for k in self.policies_using(name.split(".", 1)[1], lambda p, text: any(
            ref == name for _, ref in table_references(text, p.table, self.qname))) if k[0] != name]
        if (incoming or using) and not cascade:
            raise ReplayWarning(f"cannot drop table {name} because other objects depend on it: "
                                + ", ".join([f"{fk.name} on {fk.table}" for fk in incoming]
                                            + [f"policy {n} on {t}" for t, n in using]))
        for key in using:
            del self.policies[key]
        self.drop_dependent_views(name, cascade)
        children = [t.name for t in self.tables.values() if t.partition_of == name] if self.tables[name].partitioned else []
        for child in children:
            self.drop_table(child, cascade, st)
        state = self.tables.pop(name)
        for uname in [state.primary_key_name, *state.uniques]:
            self.release(name, uname)
        for store in (self.fks, self.triggers, self.indexes):
            for key, _ in store.touching(name):
                del store[key]
        self.policies.drop_table(name)

    def _drop_type(self, node: exp.Drop, st: Statement) -> None:
        for target in node.args.get("tables") or []:
            self.enums.pop(self.qname(target, existing=False), None)

    def _drop_trigger(self, node: exp.Drop, st: Statement) -> None:
        on = node.args.get("cluster")
        table = self.qname(on.this) if on is not None else None
        for target in node.args.get("tables") or []:
            if self.triggers.pop((table, ident(target)), None) is None and not node.args.get("exists"):
                raise ReplayWarning(f"trigger {ident(target)} for table {table} does not exist")

    def _drop_index(self, node: DropNamesStmt, st: Statement) -> None:
        for name in node.names:
            key = self.plain_qname(name)
            if self.indexes.pop(key, None) is None and not node.if_exists:
                raise ReplayWarning(f"index {key} does not exist")

    def _drop_function(self, node: DropNamesStmt, st: Statement) -> None:
        for name in node.names:
            key = self.plain_qname(name)
            found = [k for k in self.functions if k[0] == key]
            using = [k for k, t in self.triggers.items() if t.function == key] if found else []
            if using and not node.cascade:
                raise ReplayWarning(f"cannot drop function {key}: triggers depend on it (no CASCADE)")
            for k in found:
                del self.functions[k]
            for k in using:  # DROP FUNCTION … CASCADE drops the triggers that call it
                del self.triggers[k]
            if not found and not node.if_exists:
                raise ReplayWarning(f"function {key} does not exist")

    _drop_procedure = _drop_function

    # policies, types, functions, triggers, indexes, views ---------------------------------
    def _create_policy(self, node: PolicyStmt, st: Statement) -> None:
        table = self.qname(node.table)
        if table not in EXTERNAL_PRIMARY_KEYS:  # Supabase's own tables take policies too (storage.objects)
            self.table(table)
        if (table, node.name) in self.policies:
            raise ReplayWarning(f'policy "{node.name}" for table {table} already exists')
        self.policies[(table, node.name)] = Policy(
            node.name, table, node.command or "ALL", node.permissive, node.roles or ("public",),
            node.using_text, node.with_check_text, st.source)

    def _alter_policy(self, node: PolicyStmt, st: Statement) -> None:
        table = self.qname(node.table)
        policy = self.policies.get((table, node.name))
        if policy is None:
            raise ReplayWarning(f'policy "{node.name}" for table {table} does not exist')
        changes = {k: v for k, v in (("roles", node.roles), ("using", node.using_text),
                                     ("with_check", node.with_check_text)) if v is not None}
        policy = replace(policy, **changes)
        if node.rename_to:
            del self.policies[(table, node.name)]
            policy = replace(policy, name=node.rename_to)
        self.policies[(table, policy.name)] = policy

    def _drop_policy(self, node: PolicyStmt, st: Statement) -> None:
        table = self.qname(node.table)
        if self.policies.pop((table, node.name), None) is None and not node.if_exists:
            raise ReplayWarning(f'policy "{node.name}" for table {table} does not exist')

    def _create_type(self, node: exp.Create, st: Statement) -> None:
        name = self.qname(node.this, existing=False)
        expr = node.expression
        if isinstance(expr, exp.DataType) and expr.this == exp.DataType.Type.ENUM:
            if name in self.enums and not node.args.get("exists"):
                raise ReplayWarning(f"type {name} already exists")
            self.enums[name] = EnumType(name, tuple(e.this for e in expr.expressions), self.src(st, node.this))

    def _alter_type(self, node: AlterTypeStmt, st: Statement) -> None:
        name = self.qname(node.type, existing=False)
        enum = self.enums.get(name)
        if enum is None:
            raise ReplayWarning(f"type {name} does not exist (or is not an enum)")
        values = list(enum.values)
        if node.add_value is not None:
            if node.add_value in values:
                if not node.if_not_exists:
                    raise ReplayWarning(f'enum label "{node.add_value}" already exists')
                return
            anchor = node.before or node.after
            pos = values.index(anchor) + (1 if node.after else 0) if anchor in values else len(values)
            values.insert(pos, node.add_value)
        if node.rename_value:
            old, new = node.rename_value
            values = [new if v == old else v for v in values]
        self.enums[name] = replace(enum, values=tuple(values))

    def _create_function(self, node: FunctionStmt, st: Statement) -> None:
        name = self.plain_qname(node.name)
        key = (name, node.arguments)
        if key in self.functions and not node.replace:
            raise ReplayWarning(f"function {name}({node.arguments}) already exists")
        self.functions[key] = Function(name, node.arguments, node.returns, node.language, node.security_definer,
                                       node.body, st.source)

    def _create_trigger(self, node: exp.Create, st: Statement) -> None:
        props = node.args["properties"].find(exp.TriggerProperties)
        table = self.qname(props.args["table"])
        if table not in EXTERNAL_PRIMARY_KEYS:  # a trigger on auth.users is how profiles stay in sync
            self.table(table)
        execute = props.args.get("execute")
        func = execute.this if execute is not None else None
        fname = to_sql(func).split("(")[0].lower() if func is not None else ""
        events = tuple(str(e.this).upper() for e in props.args.get("events") or [])
        name = ident(node.this)
        self.triggers[(table, name)] = Trigger(name, table, self.plain_qname(fname), str(props.args.get("timing") or ""),
                                               events, st.source)

    def _own_collation(self, table: str, element: exp.Expression) -> exp.Expression:
        """``(key COLLATE "C")`` on a column declared ``COLLATE "C"`` is the plain column: PostgreSQL keeps
        the index column as the column, with the collation it has anyway."""
        inner = element.this if isinstance(element, exp.Paren) else element
        if isinstance(inner, exp.Collate) and isinstance(inner.this, exp.Column) and \
                isinstance(inner.expression, exp.Identifier) and \
                self.collations.get((table, ident(inner.this))) == ident(inner.expression):
            return inner.this
        return element

    def _create_index(self, node: exp.Create, st: Statement) -> None:
        index = node.this
        table = self.qname(index.args["table"])
        if not getattr(self.views.get(table), "materialized", False):  # a materialized view takes indexes too
            self.table(table)
        params = index.args.get("params")
        elements = [c.this for c in (params.args.get("columns") or [] if params else [])]
        elements = [e.this if isinstance(e, exp.Opclass) else e for e in elements]  # gin_trgm_ops: not a column
        elements = [self._own_collation(table, e) for e in elements]
        columns = tuple(ident(c) if isinstance(c, exp.Column) else to_sql(c) for c in elements)
        schema = table.split(".", 1)[0]
        if index.this is not None:
            name = ident(index.this)
        else:
            name = self.choose_name(table, [_index_label(c) for c in elements] or ["expr"], "idx")
        key = f"{schema}.{name}"
        if key in self.indexes:
            if node.args.get("exists"):
                return
            raise ReplayWarning(f"relation {key} already exists")
        self.indexes[key] = Index(name, table, columns, bool(node.args.get("unique")), st.source)

    def _set_search_path(self, node: tuple[str, ...], st: Statement) -> None:
        self.search_path = tuple(node) or ("public",)

    def freeze(self, headers, extra_warnings: Iterable[Unparsed]) -> Schema:
        return build_schema(
            tables=[t.freeze() for t in self.tables.values()],
            foreign_keys=self.fks.values(), policies=self.policies.values(), indexes=self.indexes.values(),
            enums=self.enums.values(), functions=self.functions.values(), triggers=self.triggers.values(),
            views=self.views.values(), unparsed=self.unparsed, not_analysed=self.not_analysed,
            warnings=list(extra_warnings) + self.warnings, headers=headers,
            coverage=sorted(self.coverage.items()),
        )


def _index_label(node: exp.Expression) -> str:
    """PostgreSQL's FigureIndexColname, for a default index name (see :func:`figure_name`)."""
    return figure_name(node, "expr")


def _action(options: str, on: str) -> str:
    words = options.split()
    for i in range(len(words) - 2):
        if words[i] == "ON" and words[i + 1] == on:
            rest = " ".join(words[i + 2:i + 4])
            for key, value in _ACTIONS.items():
                if rest.startswith(key):
                    return value
    return "NO ACTION"


def _expression_uses(expression: str, column: str) -> bool:
    """Whether an index's expression column (``lower(email)``) uses ``column``: PostgreSQL drops the index
    with the column."""
    if expression == column or not mentions(expression, column):
        return False
    try:
        node = sqlglot.parse_one(expression, read="postgres")
    except Exception:  # noqa: BLE001 - unreadable: it names the column, as PostgreSQL would find
        return True
    return any(ident(c.this) == column for c in node.find_all(exp.Column))


def new_state(search_path: tuple[str, ...] = ("public",)) -> _Replayer:
    """An empty replay state: ``apply`` statements to it, ``freeze`` it into a Schema. It pickles whole
    (everything replay knows, search_path included), so a run can resume from a saved one
    (:mod:`schemalens.snapshots`)."""
    r = _Replayer()
    r.search_path = search_path
    return r


def replay(statements: Iterable[Statement], headers=(), warnings: Iterable[Unparsed] = (),
           search_path: tuple[str, ...] = ("public",)) -> Schema:
    """Apply statements in order and freeze the result; ``search_path`` is the runner's, before the files."""
    r = new_state(search_path)
    for st in statements:
        r.apply(st)
    return r.freeze(headers, warnings)
