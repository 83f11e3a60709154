"""Functions, procedures and triggers: created, altered (renamed: triggers follow), dropped (CASCADE takes
the triggers that call them)."""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from schemalens.core.model import Function, Trigger
from schemalens.read.diff import identity_types
from schemalens.read.forms import AlterFunctionStmt
from schemalens.read.parse import ConstraintStmt, DropNamesStmt, FunctionStmt, Statement, ident, to_sql
from schemalens.read.replay.state import EXTERNAL_PRIMARY_KEYS, ReplayWarning


class FunctionsReplay:
    """Functions and triggers."""

    def _create_function(self, node: FunctionStmt, st: Statement) -> None:
        name = self.plain_qname(node.name)
        key = (name, node.arguments)
        if key in self.functions and not node.replace:
            raise ReplayWarning(f"function {name}({node.arguments}) already exists")
        self.functions[key] = Function(name, node.arguments, node.returns, node.language, node.security_definer,
                                       node.body, st.source)

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

    def _alter_trigger(self, node: ConstraintStmt, st: Statement) -> None:
        table = self.qname(node.table)
        trigger = self.triggers.pop((table, node.name), None)
        if trigger is None:
            raise ReplayWarning(f"trigger {node.name} for table {table} does not exist")
        self.triggers[(table, node.new_name)] = replace(trigger, name=node.new_name)

    def _drop_trigger(self, node: exp.Drop, st: Statement) -> None:
        on = node.args.get("cluster")
        table = self.qname(on.this) if on is not None else None
        for target in node.args.get("tables") or []:
            if self.triggers.pop((table, ident(target)), None) is None and not node.args.get("exists"):
                raise ReplayWarning(f"trigger {ident(target)} for table {table} does not exist")


HANDLERS = {
    "create function": FunctionsReplay._create_function,
    "alter function": FunctionsReplay._alter_function,
    "alter procedure": FunctionsReplay._alter_procedure,
    "alter routine": FunctionsReplay._alter_routine,
    "drop function": FunctionsReplay._drop_function,
    "drop procedure": FunctionsReplay._drop_procedure,
    "create trigger": FunctionsReplay._create_trigger,
    "alter trigger": FunctionsReplay._alter_trigger,
    "drop trigger": FunctionsReplay._drop_trigger,
}
