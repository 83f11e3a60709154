"""CREATE / ALTER / DROP INDEX: default names (PostgreSQL's FigureIndexColname), expression columns kept
through column renames and dropped with their column, partitioned indexes, constraint indexes renamed."""

from __future__ import annotations

from dataclasses import replace

import sqlglot
from sqlglot import exp

from schemalens.core.model import Index
from schemalens.core.names import quote_ident
from schemalens.read.forms import PartitionStmt
from schemalens.read.parse import (
    DropNamesStmt,
    Statement,
    column_references,
    ident,
    mentions,
    replace_spans,
    table_name,
    to_sql,
)
from schemalens.read.replay.queries import figure_name
from schemalens.read.replay.state import ReplayWarning


class IndexesReplay:
    """Indexes."""

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

    def _drop_index(self, node: DropNamesStmt, st: Statement) -> None:
        for name in node.names:
            key = self.plain_qname(name)
            if self.indexes.pop(key, None) is None and not node.if_exists:
                raise ReplayWarning(f"index {key} does not exist")

    def _alter_index_partition(self, node: PartitionStmt, st: Statement) -> None:
        """The attached index becomes a part of the parent's (no index of its own in the catalog's list)."""
        parent = self.plain_qname(".".join(filter(None, table_name(node.parent))))
        child = self.plain_qname(".".join(filter(None, table_name(node.child))))
        if parent not in self.indexes:
            raise ReplayWarning(f"index {parent} does not exist")
        index = self.indexes.pop(child, None)
        if index is not None:  # else attached already, with its table
            self.partition_indexes.setdefault(index.table, {})[parent.split(".", 1)[1]] = index.name

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


def _index_label(node: exp.Expression) -> str:
    """PostgreSQL's FigureIndexColname, for a default index name (see :func:`figure_name`)."""
    return figure_name(node, "expr")


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


HANDLERS = {
    "create index": IndexesReplay._create_index,
    "alter index": IndexesReplay._alter_index,
    "drop index": IndexesReplay._drop_index,
    "alter index partition": IndexesReplay._alter_index_partition,
}
