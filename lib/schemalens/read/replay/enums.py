"""Types: enums created, given values, renamed (the columns of the type show the new name), dropped."""

from __future__ import annotations

import re
from dataclasses import replace

from sqlglot import exp

from schemalens.core.model import EnumType
from schemalens.core.names import quote_ident
from schemalens.read.forms import RenameStmt
from schemalens.read.parse import AlterTypeStmt, Statement
from schemalens.read.replay.state import ReplayWarning


class TypesReplay:
    """Enum types."""

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

    def _drop_type(self, node: exp.Drop, st: Statement) -> None:
        for target in node.args.get("tables") or []:
            self.enums.pop(self.qname(target, existing=False), None)


HANDLERS = {
    "create type": TypesReplay._create_type,
    "alter type": TypesReplay._alter_type,
    "alter type rename": TypesReplay._alter_type_rename,
    "drop type": TypesReplay._drop_type,
}
