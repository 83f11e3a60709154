"""CREATE / ALTER / DROP TABLE: columns, renames (of a table, of a column: followed into the policies'
predicates, indexes, keys and views), drops with their dependents, partitions."""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from schemalens.core.model import Column, Unparsed
from schemalens.core.names import quote_ident
from schemalens.read.forms import PartitionStmt, TableOptionStmt
from schemalens.read.parse import (
    Statement,
    column_references,
    ident,
    lower_unquoted,
    table_references,
    to_sql,
)
from schemalens.read.replay.indexes import _expression_uses
from schemalens.read.replay.state import ReplayWarning, _TableState, _type_text, make_object_name


class TablesReplay:
    """Tables and their columns."""

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

    def _alter_table_option(self, node: TableOptionStmt, st: Statement) -> None:
        self.table(self.qname(node.table), missing_ok=node.if_exists)


HANDLERS = {
    "create table": TablesReplay._create_table,
    "alter table": TablesReplay._alter_table,
    "drop table": TablesReplay._drop_table,
    "alter table partition": TablesReplay._alter_table_partition,
    "alter table option": TablesReplay._alter_table_option,
}
