"""Replay of the forms :mod:`schemalens.forms` reads, and of views and ``CREATE TABLE … AS``: a mixin
of :class:`schemalens.replay._Replayer` (import it through :mod:`schemalens.replay`).

The columns of a view or of a table created from a query come from its select list as PostgreSQL
names them (an alias, a column's name, a function's name, else ``?column?``); their types where the
query says them (a column of a table the model knows, a cast, a literal, ``count``), else "" (not
known statically). A view reads every table and view its query names.

>>> from schemalens.parse import split_and_parse
>>> from schemalens.replay import replay
>>> s = replay(split_and_parse("CREATE TABLE t (id int, name text); CREATE TABLE c AS SELECT id, length(name) FROM t;", "1.sql"))
>>> [(c.name, c.type) for c in s.tables[0].columns]
[('id', 'int'), ('length', '')]
"""

from __future__ import annotations

import re
from dataclasses import replace

from sqlglot import exp

from schemalens.diff import identity_types
from schemalens.forms import (
    AlterFunctionStmt,
    CheckStmt,
    PartitionStmt,
    RenameStmt,
    TableOptionStmt,
    UsingIndexStmt,
    ViewOptionsStmt,
    ViewStmt,
)
from schemalens.model import Column, Unparsed, View
from schemalens.names import quote_ident
from schemalens.parse import UNDERSTOOD, Statement, ident, table_name, to_sql
from schemalens.replay import EXTERNAL_PRIMARY_KEYS, ReplayWarning, _type_text

_SERIAL_AS = {"serial": "integer", "serial4": "integer", "bigserial": "bigint", "serial8": "bigint",
              "smallserial": "smallint", "serial2": "smallint"}
_FUNCTION_TYPES = {"count": "bigint", "now": "timestamp with time zone", "gen_random_uuid": "uuid",
                   "row_number": "bigint", "rank": "bigint", "dense_rank": "bigint", "lower": "text", "upper": "text",
                   "concat": "text"}

_ARGUMENT_TYPED = {"max", "min", "coalesce", "greatest", "least", "nullif"}


def _first_select(query: exp.Expression) -> exp.Select | None:
    while isinstance(query, (exp.SetOperation, exp.Subquery)):
        query = query.this if isinstance(query, exp.Subquery) else query.left
    return query if isinstance(query, exp.Select) else None


def figure_name(node: exp.Expression, default: str = "?column?") -> str:
    """PostgreSQL's FigureColname (a select-list item without an alias; ``default`` "?column?") and
    FigureIndexColname (an index element, for a default index name; ``default`` "expr"): a column's
    name, a function's name, a cast's operand's name (else its type's name), ``case``, else ``default``."""
    if isinstance(node, exp.Column):
        return ident(node.this)
    if isinstance(node, exp.Paren):
        return figure_name(node.this, default)
    if isinstance(node, exp.Cast):
        inner = figure_name(node.this, default)
        return inner if inner != default else to_sql(node.to, copy=True).lower().split("(")[0]
    if isinstance(node, exp.Case):  # the ELSE result's name when it is a column's or a function's
        other = node.args.get("default")
        while isinstance(other, exp.Paren):
            other = other.this
        return figure_name(other, default) if isinstance(other, (exp.Column, exp.Func)) else "case"
    if isinstance(node, (exp.Func, exp.Dot)):
        m = re.match(r'\s*(?:(?:\w+|"[^"]*")\.)*"?(\w+)"?\s*\(', to_sql(node, copy=True))
        if m:
            return m.group(1).lower()
    return default


def _on(value: str | None) -> bool:
    """A boolean option's value as PostgreSQL reads it (RESET, None: off)."""
    return (value or "false").strip("'\"").lower() in ("true", "on", "1", "yes")


class FormsReplay:
    """The statements of :mod:`schemalens.forms`, views and ``CREATE TABLE … AS``."""

    # CREATE TABLE … AS, views --------------------------------------------------------------
    def create_table_as(self, node: exp.Create, name: str, st: Statement) -> None:
        from schemalens.replay import _TableState

        target = node.this
        columns = self.query_columns(node.expression)
        if isinstance(target, exp.Schema):  # CREATE TABLE t (a, b) AS …: the names given win
            names = [ident(e) for e in target.expressions]
            columns = [replace(c, name=n) for c, n in zip(columns, names)] + columns[len(names):]
        source = self.src(st, target.this if isinstance(target, exp.Schema) else target)
        self.tables[name] = _TableState(name, {c.name: replace(c, source=source) for c in columns}, source)

    def query_columns(self, query: exp.Expression) -> list[Column]:
        """The columns a query returns, named as PostgreSQL names them, typed where the query says."""
        select = _first_select(query)
        if select is None:
            raise ReplayWarning("the columns of this query are not known statically")
        ctes = {ident(c.args["alias"].this): self.query_columns(c.this) for c in (query.args.get("with_") or
                                                                                 exp.With()).expressions}
        sources = self._sources(select, ctes)
        out: list[Column] = []
        for item in select.expressions:
            if isinstance(item, exp.Star):
                out += [c for cols in sources.values() for c in cols]
            elif isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
                out += sources.get(ident(item.args["table"]), [])
            elif isinstance(item, exp.Alias):
                out.append(Column(ident(item.args["alias"]), self._type_of(item.this, sources)))
            else:
                out.append(Column(figure_name(item), self._type_of(item, sources)))
        return out

    def _sources(self, select: exp.Select, ctes: dict[str, list[Column]]) -> dict[str, list[Column]]:
        """``{alias: columns}`` of the FROM list and joins of ``select``."""
        items = [select.args["from_"].this] if select.args.get("from_") else []
        items += [j.this for j in select.args.get("joins") or []]
        out: dict[str, list[Column]] = {}
        for n, item in enumerate(items):
            alias = ident(item.args["alias"].this) if item.args.get("alias") is not None else None
            if isinstance(item, exp.Table) and isinstance(item.this, exp.Identifier):
                name = ident(item.this)
                if not item.args.get("db") and name in ctes:
                    cols = ctes[name]
                else:
                    cols = self._relation_columns(self.qname(item))
                out[alias or name] = cols
            elif isinstance(item, exp.Subquery) and (alias or _first_select(item.this) is not None):
                out[alias or f"?subquery{n}"] = self.query_columns(item.this)  # 16+: a query needs no alias
        return out

    def _relation_columns(self, name: str) -> list[Column]:
        if name in self.tables:
            return [Column(c.name, _SERIAL_AS.get(c.type, c.type)) for c in self.tables[name].columns.values()]
        if name in self.views:
            return [Column(c.name, c.type) for c in self.views[name].columns]
        if name in EXTERNAL_PRIMARY_KEYS:  # Supabase's own tables: their columns are not in the files
            return []
        raise ReplayWarning(f"relation {name} does not exist")

    def _type_of(self, node: exp.Expression, sources: dict[str, list[Column]]) -> str:
        if isinstance(node, exp.Paren):
            return self._type_of(node.this, sources)
        if isinstance(node, exp.Cast):
            return _type_text(node.to)
        if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
            qualifier = ident(node.args["table"]) if node.args.get("table") is not None else None
            name = ident(node.this)
            for alias, cols in sources.items():
                if qualifier in (None, alias):
                    found = next((c for c in cols if c.name == name), None)
                    if found is not None:
                        return found.type
            return ""
        if isinstance(node, exp.Literal):
            if node.is_string:
                return "text"
            return "integer" if re.fullmatch(r"\d+", node.this) and int(node.this) < 2 ** 31 else "numeric"
        if isinstance(node, (exp.Boolean, exp.Predicate, exp.Not, exp.And, exp.Or)):
            return "boolean"
        if isinstance(node, exp.Func) and figure_name(node) in _ARGUMENT_TYPED:  # max(a) is of a's type
            return next((t for t in (self._type_of(a, sources) for a in [node.this, *node.expressions]
                                     if isinstance(a, exp.Expression)) if t), "")
        if isinstance(node, exp.Func):
            return _FUNCTION_TYPES.get(figure_name(node), "")
        return ""

    def query_uses(self, query: exp.Expression) -> set[tuple[str, str]]:
        """(table, column) of each table column a query uses (``*`` uses every column): what a DROP COLUMN
        of a table it reads must leave alone, or drop the view with CASCADE."""
        out: set[tuple[str, str]] = set()
        for select in query.find_all(exp.Select):
            tables = {}
            for t in select.find_all(exp.Table):
                if t.find_ancestor(exp.Select) is select and isinstance(t.this, exp.Identifier):
                    tables[ident(t.args["alias"].this) if t.args.get("alias") is not None else ident(t.this)] = \
                        self.qname(t)
            for node in select.find_all(exp.Column, exp.Star):
                if node.find_ancestor(exp.Select) is not select:
                    continue
                if isinstance(node, exp.Star) or isinstance(node.this, exp.Star):
                    if node.parent is not select:
                        continue  # count(*) and the like use no column
                    q = ident(node.args["table"]) if isinstance(node, exp.Column) else None
                    out |= {(t, c) for a, t in tables.items() if q in (None, a) for c in self.columns_of(t)}
                    continue
                q = ident(node.args["table"]) if node.args.get("table") is not None else None
                out |= {(t, ident(node.this)) for a, t in tables.items()
                        if q in (None, a) and ident(node.this) in self.columns_of(t)}
        return out

    def drop_views_using(self, table: str, column: str, cascade: bool) -> None:
        readers = [name for name, uses in self.view_uses.items() if (table, column) in uses and name in self.views]
        if readers and not cascade:
            raise ReplayWarning(f"cannot drop column {column} of {table}: view {readers[0]} depends on it (no CASCADE)")
        for name in readers:
            if name in self.views:
                self.drop_dependent_views(name, True)
                del self.views[name]
                for key, _ in self.indexes.touching(name):
                    del self.indexes[key]

    def renamed_column(self, table: str, old: str, new: str) -> None:
        """A view keeps using a renamed column (PostgreSQL keeps its query by ids); CHECKs keep it too."""
        for view, uses in self.view_uses.items():
            if (table, old) in uses:  # (the others' sets stay as they are)
                self.view_uses[view] = {(t, new if (t, c) == (table, old) else c) for t, c in uses}
        for key, columns in self.checks.items():
            if key[0] == table and old in columns:
                self.checks[key] = frozenset(new if c == old else c for c in columns)

    def query_reads(self, query: exp.Expression) -> tuple[str, ...]:
        """The tables and views a query names (outside its own WITH list)."""
        ctes = {ident(c.args["alias"].this) for c in query.find_all(exp.CTE)}
        names = {self.qname(t) for t in query.find_all(exp.Table)
                 if isinstance(t.this, exp.Identifier) and (t.args.get("db") or ident(t.this) not in ctes)}
        return tuple(sorted(names))

    def _create_view(self, node: exp.Create, st: Statement) -> None:
        node = ViewStmt.of(node)
        name = self.qname(node.target, existing=False)
        if name in self.tables:
            raise ReplayWarning(f"relation {name} already exists")
        if name in self.views and not node.replace:
            if node.if_not_exists:
                return
            raise ReplayWarning(f"relation {name} already exists")
        columns = self.query_columns(node.query)
        columns = [replace(c, name=n) for c, n in zip(columns, node.columns)] + columns[len(node.columns):]
        options = dict(node.options)
        invoker = _on(options.get("security_invoker"))
        self.views[name] = View(name, self.src(st, node.target), tuple(columns), self.query_reads(node.query),
                                invoker, node.materialized)
        self.view_uses[name] = self.query_uses(node.query)

    def existing_view(self, target: exp.Table, if_exists: bool) -> View | None:
        view = self.views.get(self.qname(target))
        if view is None and not if_exists:
            raise ReplayWarning(f"view {self.qname(target)} does not exist")
        return view

    def _alter_view_rename(self, node: RenameStmt, st: Statement) -> None:
        view = self.existing_view(node.target, node.if_exists)
        if view is None:
            return
        name = view.name
        if node.column is not None:
            if node.column not in view.column_names:
                raise ReplayWarning(f"column {node.column} of view {name} does not exist")
            self.views[name] = replace(view, columns=tuple(
                replace(c, name=node.new_name) if c.name == node.column else c for c in view.columns))
            return
        new = f"{name.split('.', 1)[0]}.{node.new_name}"
        if new in self.views or new in self.tables:
            raise ReplayWarning(f"relation {new} already exists")
        del self.views[name]
        self.views[new] = replace(view, name=new)
        self.renamed_relation(name, new)

    def _alter_view_options(self, node: ViewOptionsStmt, st: Statement) -> None:
        view = self.existing_view(node.target, node.if_exists)
        if view is None:
            return
        for key, value in node.options:
            if key == "security_invoker":
                view = replace(view, security_invoker=_on(value))
        self.views[view.name] = view

    def _drop_view(self, node: exp.Drop, st: Statement) -> None:
        for target in node.args.get("tables") or []:
            name = self.qname(target)
            if name not in self.views:
                if not node.args.get("exists"):
                    self.warnings.append(Unparsed(st.source, st.text, f"view {name} does not exist"))
                continue
            self.drop_dependent_views(name, bool(node.args.get("cascade")))
            del self.views[name]
            for key, _ in self.indexes.touching(name):
                del self.indexes[key]

    def drop_dependent_views(self, name: str, cascade: bool) -> None:
        """Views reading ``name`` go with it under CASCADE; without, PostgreSQL refuses the drop."""
        readers = [v for v in self.views.values() if name in v.reads and v.name != name]
        if readers and not cascade:
            raise ReplayWarning(f"cannot drop {name} because other objects depend on it: "
                                + ", ".join(f"view {v.name}" for v in readers))
        for view in readers:
            if view.name in self.views:
                self.drop_dependent_views(view.name, cascade)
                del self.views[view.name]
                for key, _ in self.indexes.touching(view.name):
                    del self.indexes[key]

    def renamed_relation(self, old: str, new: str) -> None:
        """PostgreSQL keeps a view's query by object id: a renamed table or view stays read by it."""
        for key, view in list(self.views.items()):
            if old in view.reads:
                self.views[key] = replace(view, reads=tuple(sorted(new if r == old else r for r in view.reads)))
        for key, index in self.indexes.touching(old):
            self.indexes[key] = replace(index, table=new)
        for view, uses in self.view_uses.items():
            self.view_uses[view] = {(new if t == old else t, c) for t, c in uses}
        for table, name in [c for c in self.checks if c[0] == old]:
            self.checks[(new, name)] = self.checks.pop((table, name))

    # ALTER TABLE forms -----------------------------------------------------------------------
    def _alter_table_actions(self, node: tuple[Statement, ...], st: Statement) -> None:
        """Each action of a several-action ALTER TABLE, in order (a refused action is a warning)."""
        said = set()
        for part in node:
            handler = getattr(self, "_" + part.kind.replace(" ", "_"), None)
            if handler is None or part.status != UNDERSTOOD:
                continue
            try:
                handler(part.node, st)
            except ReplayWarning as w:
                if str(w) not in said:  # "table t does not exist" once, not once per action
                    said.add(str(w))
                    self.warnings.append(Unparsed(st.source, st.text, str(w)))

    def add_check(self, state, name: str | None, expression: exp.Expression) -> None:
        """A CHECK constraint takes its name (PostgreSQL's default: ``table_column_check`` when the
        expression uses one column, else ``table_check``), so that a later DROP CONSTRAINT finds it."""
        columns = sorted({ident(c.this) for c in expression.find_all(exp.Column)})
        if name is None:
            name = self.choose_name(state.name, columns if len(columns) == 1 else (), "check")
        elif (state.name, name) in self.checks:
            raise ReplayWarning(f'constraint "{name}" for relation {state.name} already exists')
        self.checks[(state.name, name)] = frozenset(columns)
        self.claim(state.name, name)

    def drop_check(self, state, name: str) -> bool:
        if (state.name, name) not in self.checks:
            return False
        del self.checks[(state.name, name)]
        self.release(state.name, name)
        return True

    def drop_checks_using(self, state, column: str) -> None:
        """DROP COLUMN drops the CHECK constraints that use the column."""
        for table, name in [k for k, columns in self.checks.items() if k[0] == state.name and column in columns]:
            self.drop_check(state, name)

    def _alter_table_add_check(self, node: CheckStmt, st: Statement) -> None:
        state = self.table(self.qname(node.table), missing_ok=node.if_exists)
        if state is not None:
            self.add_check(state, node.name, node.expression)

    def rename_constraint_index(self, key: str, node: exp.Alter) -> bool:
        """``ALTER INDEX t_pkey RENAME TO …`` on the index of a primary key or unique constraint renames
        the constraint too; False when no constraint has that index."""
        renames = [a for a in node.args.get("actions") or [] if isinstance(a, exp.AlterRename)]
        schema, name = key.split(".", 1)
        for state in self.tables.values():
            if not renames or state.name.split(".", 1)[0] != schema:
                continue
            new = ident(renames[0].this)
            if state.primary_key_name == name:
                state.primary_key_name = new
            elif name in state.uniques:
                state.uniques[new] = replace(state.uniques.pop(name), name=new)
            else:
                continue
            self.release(state.name, name)
            self.claim(state.name, new)
            return True
        return False

    def _alter_table_partition(self, node: PartitionStmt, st: Statement) -> None:
        parent = self.table(self.qname(node.parent), missing_ok=node.if_exists)
        if parent is None:
            return
        child = self.table(self.qname(node.child))
        schema = child.name.split(".", 1)[0]
        parent_indexes = [i for _, i in self.indexes.touching(parent.name)]
        if not node.attach:  # the partition's part of each parent index becomes an index of its own
            if child.partition_of != parent.name:
                raise ReplayWarning(f"relation {child.name} is not a partition of {parent.name}")
            child.partition_of = None
            kept = self.partition_indexes.pop(child.name, {})
            for index in parent_indexes:
                name = kept.get(index.name) or self.choose_name(child.name, index.columns, "idx")
                self.indexes[f"{schema}.{name}"] = replace(index, name=name, table=child.name, source=st.source)
            return
        if child.partition_of is not None:
            raise ReplayWarning(f"{child.name} is already a partition")
        child.partition_of, parent.partitioned = parent.name, True
        if parent.primary_key and not child.primary_key:  # PostgreSQL builds the partition's own key
            self.set_primary_key(child, parent.primary_key, None)
        kept = self.partition_indexes.setdefault(child.name, {})
        for index in parent_indexes:  # a matching index of the partition is attached to the parent's
            match = next((k for k, i in self.indexes.touching(child.name)
                          if (i.columns, i.unique) == (index.columns, index.unique) and i.name not in kept.values()), None)
            if match is not None:
                kept[index.name] = self.indexes.pop(match).name

    def _alter_index_partition(self, node: PartitionStmt, st: Statement) -> None:
        """The attached index becomes a part of the parent's (no index of its own in the catalog's list)."""
        parent = self.plain_qname(".".join(filter(None, table_name(node.parent))))
        child = self.plain_qname(".".join(filter(None, table_name(node.child))))
        if parent not in self.indexes:
            raise ReplayWarning(f"index {parent} does not exist")
        index = self.indexes.pop(child, None)
        if index is not None:  # else attached already, with its table
            self.partition_indexes.setdefault(index.table, {})[parent.split(".", 1)[1]] = index.name

    def _alter_table_option(self, node: TableOptionStmt, st: Statement) -> None:
        self.table(self.qname(node.table), missing_ok=node.if_exists)

    def _alter_table_using_index(self, node: UsingIndexStmt, st: Statement) -> None:
        state = self.table(self.qname(node.table), missing_ok=node.if_exists)
        if state is None:
            return
        key = f"{state.name.split('.', 1)[0]}.{node.index}"
        index = self.indexes.get(key)
        if index is None or index.table != state.name:
            raise ReplayWarning(f'index "{node.index}" does not exist on {state.name}')
        if node.kind == "unique" and not index.unique:
            raise ReplayWarning(f'"{node.index}" is not a unique index')
        del self.indexes[key]  # the index now backs the constraint, renamed to the constraint's name
        name = node.name or node.index
        if node.kind == "primary key":
            self.set_primary_key(state, index.columns, name)
        else:
            self.add_unique(state, index.columns, name, st.source)

    # functions and types ----------------------------------------------------------------------
    def _alter_function(self, node: AlterFunctionStmt, st: Statement) -> None:
        name = self.plain_qname(node.name)
        found = [k for k in self.functions if k[0] == name]
        if node.arguments is not None and len(found) > 1:
            wanted = identity_types(node.arguments)
            found = [k for k in found if identity_types(k[1]) == wanted]
        if len(found) != 1:
            raise ReplayWarning(f"function {name}({node.arguments or ''}) does not exist" if not found else
                                f"function name {name} is not unique (give the argument list)")
        key = found[0]
        function = self.functions.pop(key)
        new_name = name
        if node.rename_to:
            new_name = f"{name.split('.', 1)[0]}.{node.rename_to}"
        elif node.set_schema:
            new_name = f"{node.set_schema}.{name.split('.', 1)[1]}"
        if (new_name, key[1]) in self.functions:
            self.functions[key] = function
            raise ReplayWarning(f"function {new_name}({key[1]}) already exists")
        if node.security_definer is not None:
            function = replace(function, security_definer=node.security_definer)
        self.functions[(new_name, key[1])] = replace(function, name=new_name)
        if new_name != name:  # a trigger keeps the function's id, so it calls it by its new name
            for tkey, trigger in list(self.triggers.items()):
                if trigger.function == name:
                    self.triggers[tkey] = replace(trigger, function=new_name)

    _alter_procedure = _alter_routine = _alter_function

    def _alter_type_rename(self, node: RenameStmt, st: Statement) -> None:
        name = self.qname(node.target, existing=False)
        enum = self.enums.pop(name, None)
        if enum is None:
            raise ReplayWarning(f"type {name} does not exist (or is not an enum)")
        schema, old = name.split(".", 1)
        new = f"{schema}.{node.new_name}"
        self.enums[new] = replace(enum, name=new)
        written = {quote_ident(old): quote_ident(node.new_name),
                   f"{schema}.{quote_ident(old)}": f"{schema}.{quote_ident(node.new_name)}"}
        for state in self.tables.values():  # columns keep the type's id: they show the new name
            for cname, col in list(state.columns.items()):
                base, arrays = re.match(r"^(.*?)((?:\[\d*\])*)$", col.type).groups()
                if base in written and (schema == self.default_schema or "." in base):
                    state.columns[cname] = replace(col, type=written[base] + arrays)


__all__ = ["FormsReplay"]
