"""Views and ``CREATE TABLE … AS``: created from their query's columns, renamed, given options, dropped
(with the views that read them under CASCADE); a renamed relation or column stays read by its views."""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from schemalens.core.model import Unparsed, View
from schemalens.read.forms import RenameStmt, ViewOptionsStmt, ViewStmt
from schemalens.read.parse import Statement, ident
from schemalens.read.replay.state import ReplayWarning, _TableState


def _on(value: str | None) -> bool:
    """A boolean option's value as PostgreSQL reads it (RESET, None: off)."""
    return (value or "false").strip("'\"").lower() in ("true", "on", "1", "yes")


class ViewsReplay:
    """Views, and tables made from a query."""

    def create_table_as(self, node: exp.Create, name: str, st: Statement) -> None:
        target = node.this
        columns = self.query_columns(node.expression)
        if isinstance(target, exp.Schema):  # CREATE TABLE t (a, b) AS …: the names given win
            names = [ident(e) for e in target.expressions]
            columns = [replace(c, name=n) for c, n in zip(columns, names)] + columns[len(names):]
        source = self.src(st, target.this if isinstance(target, exp.Schema) else target)
        self.tables[name] = _TableState(name, {c.name: replace(c, source=source) for c in columns}, source)

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

    def renamed_column(self, table: str, old: str, new: str) -> None:
        """A view keeps using a renamed column (PostgreSQL keeps its query by ids); CHECKs keep it too."""
        for view, uses in self.view_uses.items():
            if (table, old) in uses:  # (the others' sets stay as they are)
                self.view_uses[view] = {(t, new if (t, c) == (table, old) else c) for t, c in uses}
        for key, columns in self.checks.items():
            if key[0] == table and old in columns:
                self.checks[key] = frozenset(new if c == old else c for c in columns)


HANDLERS = {
    "create view": ViewsReplay._create_view,
    "alter view rename": ViewsReplay._alter_view_rename,
    "alter view options": ViewsReplay._alter_view_options,
    "drop view": ViewsReplay._drop_view,
}
