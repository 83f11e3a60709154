"""Primary keys, unique, foreign-key and CHECK constraints: added (PostgreSQL's default names), validated,
renamed, dropped, and a key made from an existing unique index."""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from schemalens.core.model import ForeignKey, Source, UniqueConstraint, Unparsed
from schemalens.read.forms import CheckStmt, UsingIndexStmt
from schemalens.read.parse import ConstraintStmt, Statement, ident
from schemalens.read.replay.state import EXTERNAL_PRIMARY_KEYS, ReplayWarning, _TableState

_ACTIONS = {"CASCADE": "CASCADE", "RESTRICT": "RESTRICT", "SET NULL": "SET NULL", "SET DEFAULT": "SET DEFAULT",
            "NO ACTION": "NO ACTION"}


class ConstraintsReplay:
    """Keys and constraints of tables."""

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


def _action(options: str, on: str) -> str:
    words = options.split()
    for i in range(len(words) - 2):
        if words[i] == "ON" and words[i + 1] == on:
            rest = " ".join(words[i + 2:i + 4])
            for key, value in _ACTIONS.items():
                if rest.startswith(key):
                    return value
    return "NO ACTION"


HANDLERS = {
    "alter table validate": ConstraintsReplay._alter_table_validate,
    "alter table rename constraint": ConstraintsReplay._alter_table_rename_constraint,
    "alter table add check": ConstraintsReplay._alter_table_add_check,
    "alter table using index": ConstraintsReplay._alter_table_using_index,
}
