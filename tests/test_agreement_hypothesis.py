"""Property: for generated migration histories, the files and a real PostgreSQL agree.

A history is drawn step by step against a small model of what exists, so every statement is one
PostgreSQL accepts: tables with plain, quoted mixed-case, spaced and over-long (truncated) names;
single, composite and self-referencing foreign keys, inline and added later, ``NOT VALID`` then
validated; renames of tables and columns; dropped columns and constraints (``CASCADE`` when
something depends on them); unique constraints and indexes; row level security and policies,
altered, renamed and dropped; tables created from a query (``CREATE TABLE … AS``); ALTER TABLE with
several actions (columns, CHECK constraints, actions outside the model); views and materialized views
(with indexes) at the end. The statements are spread over a few files, written to a temporary
folder, applied to a fresh database of the embedded server, and the two Schemas compared.

An example that once failed is kept as ``tests/fixtures/agreement/<name>.sql``, which
``tests/test_agreement.py`` runs on every test run.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from schemalens import load_schema
from schemalens.core.model import truncate_identifier
from schemalens.db import live, postgres
from schemalens.read.diff import diff_schemas
from schemalens.read.migrations import discover

# (type as written, type a referencing column gets)
TYPES = [("int", "integer"), ("integer", "int4"), ("INT4", "integer"), ("bigint", "int8"), ("smallint", "int2"),
         ("text", "text"), ("varchar(40)", "character varying(40)"), ("character varying(40)", "varchar(40)"),
         ("timestamptz", "timestamp with time zone"), ("timestamp with time zone", "timestamptz"),
         ("timestamp", "timestamp"), ("uuid", "uuid"), ("boolean", "bool"), ("numeric(10,2)", "numeric(10, 2)"),
         ("double precision", "float8"), ("date", "date"), ("char(3)", "character(3)"), ("jsonb", "jsonb"),
         ("text[]", "text[]"), ("serial", "integer"), ("bigserial", "bigint")]
WORDS = ["orders", "user", "Account", "line item", "select", "Group", "tag"]
ROLES = ["public", "authenticated", "anon", "service_role"]
ACTIONS = ["CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Col:
    name: str
    type: str
    ref_type: str


@dataclass
class Tab:
    name: str
    cols: dict[str, Col]
    pk: tuple[str, ...] = ()
    pk_name: str = ""
    uniques: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class FK:
    name: str
    table: str
    cols: tuple[str, ...]
    ref: str
    ref_cols: tuple[str, ...]
    valid: bool = True


@dataclass
class Pol:
    name: str
    table: str
    cols: tuple[str, ...]  # columns its predicates use


class History:
    """A model of what exists, and the statements that built it."""

    def __init__(self, data: st.DataObject):
        self.data = data
        self.tables: dict[str, Tab] = {}
        self.fks: list[FK] = []
        self.policies: list[Pol] = []
        self.indexes: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.statements: list[str] = []
        self.counter = 0

    def draw(self, strategy):
        return self.data.draw(strategy)

    def choice(self, items):
        return self.draw(st.sampled_from(sorted(items) if isinstance(items, (set, dict)) else list(items)))

    # names -----------------------------------------------------------------------------
    def new_name(self, kind: str = "t") -> str:
        """A fresh name as PostgreSQL stores it: plain, mixed case, spaced or too long (then truncated)."""
        self.counter += 1
        word = self.choice(WORDS)
        style = self.choice(["plain", "plain", "mixed", "spaced", "long"])
        n = self.counter
        if style == "plain":
            return f"{word.replace(' ', '_').lower()}_{kind}{n}"
        if style == "mixed":
            return f"{word.title().replace(' ', '')}{kind.upper()}{n}"
        if style == "spaced":
            return f"{word} {kind} {n}"
        return truncate_identifier(f"{kind}{n}_{word.replace(' ', '_').lower()}_" + "x" * 70)

    def ident(self, name: str) -> str:
        """How a statement writes a stored name: unquoted (any case) when it folds back, else quoted."""
        simple = name.isidentifier() and name == name.lower() and name not in ("select", "user", "group")
        if simple and self.draw(st.booleans()):
            return name.upper() if self.draw(st.booleans()) else name
        return quote(name)

    def emit(self, sql: str) -> None:
        self.statements.append(sql)

    # steps -----------------------------------------------------------------------------
    def create_table(self) -> None:
        name = self.new_name("t")
        tab = Tab(name, {})
        parts = []
        for _ in range(self.draw(st.integers(1, 4))):
            col = Col(self.new_name("c"), *self.choice(TYPES))
            tab.cols[col.name] = col
            parts.append(f"{self.ident(col.name)} {col.type}")
        cols = list(tab.cols)
        pk_kind = self.choice(["none", "inline", "table", "named"])
        if pk_kind == "inline":
            tab.pk, tab.pk_name = (cols[0],), ""
            parts[0] += " PRIMARY KEY"
        elif pk_kind in ("table", "named"):
            tab.pk = tuple(cols[: self.draw(st.integers(1, min(2, len(cols))))])
            named = pk_kind == "named"
            tab.pk_name = self.new_name("pk") if named else ""
            prefix = f"CONSTRAINT {self.ident(tab.pk_name)} " if named else ""
            parts.append(f"{prefix}PRIMARY KEY ({', '.join(self.ident(c) for c in tab.pk)})")
        if tab.pk and self.draw(st.booleans()):  # a self-reference, inline or table-level
            ref_cols = [Col(self.new_name("parent"), tab.cols[c].ref_type, tab.cols[c].ref_type) for c in tab.pk]
            for c in ref_cols:
                tab.cols[c.name] = c
                parts.append(f"{self.ident(c.name)} {c.type}")
            named = self.draw(st.booleans())
            fk = FK(self.new_name("fk") if named else "", name, tuple(c.name for c in ref_cols), name, tab.pk)
            parts.append((f"CONSTRAINT {self.ident(fk.name)} " if named else "")
                         + f"FOREIGN KEY ({', '.join(self.ident(c) for c in fk.cols)}) REFERENCES {self.ident(name)}"
                         + self.actions())
            self.fks.append(fk)
        self.emit(f"CREATE TABLE {self.ident(name)} (\n  " + ",\n  ".join(parts) + "\n);")
        self.tables[name] = tab
        if not tab.pk_name and tab.pk:
            tab.pk_name = "?"  # PostgreSQL's default: the model does not need it

    def actions(self) -> str:
        out = ""
        for on in ("DELETE", "UPDATE"):
            if self.draw(st.booleans()):
                out += f" ON {on} {self.choice(ACTIONS)}"
        return out

    def add_foreign_key(self) -> None:
        parents = [t for t in self.tables.values() if t.pk]
        if not parents:
            return
        parent = self.choice({t.name: t for t in parents})
        child = self.choice(self.tables)
        ptab, ctab = self.tables[parent], self.tables[child]
        actions, new_cols = [], []
        for c in ptab.pk:
            col = Col(self.new_name("ref"), ptab.cols[c].ref_type, ptab.cols[c].ref_type)
            new_cols.append(col)
            actions.append(f"ADD COLUMN {self.ident(col.name)} {col.type}")
        named = self.draw(st.booleans())
        fk = FK(self.new_name("fk") if named else "", child, tuple(c.name for c in new_cols), parent, ptab.pk)
        fk.valid = not self.draw(st.booleans())
        refs = f" ({', '.join(self.ident(c) for c in ptab.pk)})" if self.draw(st.booleans()) else ""
        constraint = ((f"CONSTRAINT {self.ident(fk.name)} " if named else "")
                      + f"FOREIGN KEY ({', '.join(self.ident(c.name) for c in new_cols)}) "
                      + f"REFERENCES {self.ident(parent)}{refs}{self.actions()}")
        if self.draw(st.booleans()) or not named:  # columns and constraint in one ALTER TABLE
            self.emit(f"ALTER TABLE {self.ident(child)} {', '.join(actions)}, ADD {constraint}"
                      + (" NOT VALID;" if not fk.valid else ";"))
        else:
            for a in actions:
                self.emit(f"ALTER TABLE {self.ident(child)} {a};")
            self.emit(f"ALTER TABLE {self.ident(child)} ADD {constraint}" + (" NOT VALID;" if not fk.valid else ";"))
        for col in new_cols:
            ctab.cols[col.name] = col
        self.fks.append(fk)  # unnamed ones too: they are dependencies

    def validate(self) -> None:
        pending = [fk for fk in self.fks if not fk.valid and fk.name]
        if pending:
            fk = self.choice({f"{f.table}.{f.name}": f for f in pending})
            fk = next(f for f in pending if f"{f.table}.{f.name}" == fk)
            self.emit(f"ALTER TABLE {self.ident(fk.table)} VALIDATE CONSTRAINT {self.ident(fk.name)};")
            fk.valid = True

    def rename_table(self) -> None:
        old = self.choice(self.tables)
        new = self.new_name("t")
        self.emit(f"ALTER TABLE {self.ident(old)} RENAME TO {self.ident(new)};")
        tab = self.tables.pop(old)
        tab.name = new
        self.tables[new] = tab
        for fk in self.fks:
            fk.table = new if fk.table == old else fk.table
            fk.ref = new if fk.ref == old else fk.ref
        for p in self.policies:
            p.table = new if p.table == old else p.table
        self.indexes = {k: (new if t == old else t, c) for k, (t, c) in self.indexes.items()}

    def rename_column(self) -> None:
        table = self.choice(self.tables)
        tab = self.tables[table]
        if not tab.cols:
            return
        old = self.choice(tab.cols)
        new = self.new_name("c")
        word = self.choice(["RENAME COLUMN", "RENAME COLUMN", "RENAME"])
        self.emit(f"ALTER TABLE {self.ident(table)} {word} {self.ident(old)} TO {self.ident(new)};")
        tab.cols = {(new if k == old else k): (Col(new, c.type, c.ref_type) if k == old else c)
                    for k, c in tab.cols.items()}

        def swap(cols: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(new if c == old else c for c in cols)

        tab.pk = swap(tab.pk)
        tab.uniques = {n: swap(c) for n, c in tab.uniques.items()}
        for fk in self.fks:
            fk.cols = swap(fk.cols) if fk.table == table else fk.cols
            fk.ref_cols = swap(fk.ref_cols) if fk.ref == table else fk.ref_cols
        for p in self.policies:
            p.cols = swap(p.cols) if p.table == table else p.cols
        self.indexes = {k: (t, swap(c) if t == table else c) for k, (t, c) in self.indexes.items()}

    def drop_column(self) -> None:
        table = self.choice(self.tables)
        tab = self.tables[table]
        if not tab.cols:
            return
        col = self.choice(tab.cols)
        in_pk = col in tab.pk
        in_unique = [n for n, c in tab.uniques.items() if col in c]
        doomed_fks = [fk for fk in self.fks if (fk.table == table and col in fk.cols)
                      or (fk.ref == table and (col in fk.ref_cols or (in_pk and fk.ref_cols == tab.pk)))]
        others = [fk for fk in doomed_fks if fk.table != table or fk.ref == table and col not in fk.cols]
        doomed_policies = [p for p in self.policies if p.table == table and col in p.cols]
        cascade = bool(others or doomed_policies)
        self.emit(f"ALTER TABLE {self.ident(table)} DROP COLUMN {self.ident(col)}" + (" CASCADE;" if cascade else ";"))
        del tab.cols[col]
        if in_pk:
            tab.pk, tab.pk_name = (), ""
        for n in in_unique:
            del tab.uniques[n]
        self.fks = [fk for fk in self.fks if fk not in doomed_fks]
        self.policies = [p for p in self.policies if p not in doomed_policies]
        self.indexes = {k: v for k, v in self.indexes.items() if not (v[0] == table and col in v[1])}

    def drop_constraint(self) -> None:
        named = [fk for fk in self.fks if fk.name]
        uniques = [(t.name, n) for t in self.tables.values() for n in t.uniques if not n.startswith("?")]
        options = (["fk"] if named else []) + (["unique"] if uniques else [])
        if not options:
            return
        if self.choice(options) == "fk":
            fk = named[self.draw(st.integers(0, len(named) - 1))]
            self.emit(f"ALTER TABLE {self.ident(fk.table)} DROP CONSTRAINT {self.ident(fk.name)};")
            self.fks.remove(fk)
            return
        table, name = uniques[self.draw(st.integers(0, len(uniques) - 1))]
        cols = self.tables[table].uniques.pop(name)
        dependents = [fk for fk in self.fks if fk.ref == table and fk.ref_cols == cols]
        self.emit(f"ALTER TABLE {self.ident(table)} DROP CONSTRAINT {self.ident(name)}"
                  + (" CASCADE;" if dependents else ";"))
        self.fks = [fk for fk in self.fks if fk not in dependents]

    def add_unique(self) -> None:
        table = self.choice(self.tables)
        tab = self.tables[table]
        keyable = [c for c, col in tab.cols.items() if col.type not in ("jsonb",) and (c,) != tab.pk]
        if not keyable:
            return
        col = self.choice(keyable)
        if self.draw(st.booleans()):
            name = self.new_name("uq")
            self.emit(f"ALTER TABLE {self.ident(table)} ADD CONSTRAINT {self.ident(name)} UNIQUE ({self.ident(col)});")
        else:  # PostgreSQL chooses the name: <table>_<column>_key, numbered when taken
            name = f"?{self.counter}"
            self.counter += 1
            self.emit(f"ALTER TABLE {self.ident(table)} ADD UNIQUE ({self.ident(col)});")
        tab.uniques[name] = (col,)

    def create_index(self) -> None:
        table = self.choice(self.tables)
        tab = self.tables[table]
        if not tab.cols:
            return
        col = self.choice(tab.cols)
        name = self.new_name("ix") if self.draw(st.booleans()) else ""  # unnamed: <table>_<column>_idx
        unique = "UNIQUE " if self.draw(st.booleans()) and tab.cols[col].type != "jsonb" else ""
        self.emit(f"CREATE {unique}INDEX {self.ident(name) if name else ''} ON {self.ident(table)} ({self.ident(col)});")
        self.indexes[name or f"?{self.counter}"] = (table, (col,))

    def rls(self) -> None:
        table = self.choice(self.tables)
        what = self.choice(["ENABLE", "ENABLE", "DISABLE", "FORCE", "NO FORCE"])
        self.emit(f"ALTER TABLE {self.ident(table)} {what} ROW LEVEL SECURITY;")

    def predicate(self, tab: Tab) -> tuple[str, tuple[str, ...]]:
        """A predicate on ``tab`` and the columns it uses."""
        options: list[tuple[str, tuple[str, ...]]] = [("true", ())]
        for c, col in tab.cols.items():
            base = col.type.lower()
            options.append((f"{self.ident(c)} IS NOT NULL", (c,)))
            if base == "uuid":
                options.append((f"auth.uid() = {self.ident(c)}", (c,)))
            elif base in ("int", "integer", "int4", "bigint", "smallint", "serial", "bigserial"):
                options.append((f"{self.ident(c)} BETWEEN 1 AND 10", (c,)))
            elif base in ("text", "varchar(40)", "character varying(40)"):
                options.append((f"{self.ident(c)} IN ('a', 'b')", (c,)))
        others = [t for t in self.tables.values() if t.cols and t.name != tab.name]
        if others and self.draw(st.booleans()):
            other = others[self.draw(st.integers(0, len(others) - 1))]
            oc = self.choice(other.cols)
            options.append((f"EXISTS (SELECT 1 FROM {self.ident(other.name)} o WHERE o.{self.ident(oc)} IS NOT NULL)",
                            ()))
        first = options[self.draw(st.integers(0, len(options) - 1))]
        if self.draw(st.booleans()):
            return first
        second = options[self.draw(st.integers(0, len(options) - 1))]
        joiner = self.choice([" AND ", " OR "])
        return f"({first[0]}){joiner}{second[0]}", first[1] + second[1]

    def create_policy(self) -> None:
        table = self.choice(self.tables)
        tab = self.tables[table]
        name = self.new_name("policy")
        command = self.choice(["", "ALL", "SELECT", "INSERT", "UPDATE", "DELETE"])
        sql = f"CREATE POLICY {self.ident(name)} ON {self.ident(table)}"
        if self.draw(st.booleans()):
            sql += f" AS {self.choice(['PERMISSIVE', 'RESTRICTIVE'])}"
        if command:
            sql += f" FOR {command}"
        if self.draw(st.booleans()):
            roles = self.draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=3, unique=True))
            sql += " TO " + ", ".join(roles)
        used: tuple[str, ...] = ()
        if command != "INSERT":
            pred, used = self.predicate(tab)
            sql += f" USING ({pred})"
        if command in ("", "ALL", "INSERT", "UPDATE") and (command == "INSERT" or self.draw(st.booleans())):
            pred, more = self.predicate(tab)
            sql += f" WITH CHECK ({pred})"
            used += more
        self.emit(sql + ";")
        self.policies.append(Pol(name, table, used))

    def alter_policy(self) -> None:
        if not self.policies:
            return
        p = self.policies[self.draw(st.integers(0, len(self.policies) - 1))]
        what = self.choice(["rename", "roles", "drop"])
        if what == "rename":
            new = self.new_name("policy")
            self.emit(f"ALTER POLICY {self.ident(p.name)} ON {self.ident(p.table)} RENAME TO {self.ident(new)};")
            p.name = new
        elif what == "roles":
            roles = self.draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=2, unique=True))
            self.emit(f"ALTER POLICY {self.ident(p.name)} ON {self.ident(p.table)} TO {', '.join(roles)};")
        else:
            self.emit(f"DROP POLICY {self.ident(p.name)} ON {self.ident(p.table)};")
            self.policies.remove(p)

    def create_table_as(self) -> None:
        """CREATE TABLE … AS SELECT: its columns are the select list's (some renamed, some cast, a literal)."""
        source = self.choice(self.tables)
        src = self.tables[source]
        if not src.cols:
            return
        picked = self.draw(st.lists(st.sampled_from(sorted(src.cols)), min_size=1, max_size=len(src.cols), unique=True))
        tab = Tab(self.new_name("t"), {})
        items = []
        for c in picked:
            how = self.choice(["plain", "alias", "cast"])
            out = c if how == "plain" else self.new_name("c")
            typ = "text" if how == "cast" else src.cols[c].ref_type  # serial -> integer: no default comes along
            tab.cols[out] = Col(out, typ, typ)
            items.append(self.ident(c) + ("::text" if how == "cast" else "") + ("" if how == "plain" else
                                                                               f" AS {self.ident(out)}"))
        if self.draw(st.booleans()):
            extra = self.new_name("c")
            tab.cols[extra] = Col(extra, "integer", "integer")
            items.append(f"1 AS {self.ident(extra)}")
        tail = " WITH NO DATA" if self.draw(st.booleans()) else ""
        self.emit(f"CREATE TABLE {self.ident(tab.name)} AS SELECT {', '.join(items)} FROM {self.ident(source)}{tail};")
        self.tables[tab.name] = tab

    def several_actions(self) -> None:
        """One ALTER TABLE, several actions: columns added, a CHECK on one (dropped with it later), and
        actions that change nothing the model holds."""
        table = self.choice(self.tables)
        tab = self.tables[table]
        actions = []
        for _ in range(self.draw(st.integers(1, 3))):
            col = Col(self.new_name("c"), *self.choice(TYPES))
            tab.cols[col.name] = col
            actions.append(f"ADD COLUMN {self.ident(col.name)} {col.type}")
            if self.draw(st.booleans()):
                actions.append(f"ADD CHECK ({self.ident(col.name)} IS NOT NULL)")
        if self.draw(st.booleans()):
            some = self.choice(tab.cols)
            noop = self.choice(["DISABLE TRIGGER USER", "ENABLE TRIGGER USER", f"ALTER COLUMN {self.ident(some)} "
                                "SET STATISTICS 200", "SET (autovacuum_analyze_scale_factor = 0.01)"])
            actions.insert(self.draw(st.integers(0, len(actions))), noop)
        self.emit(f"ALTER TABLE {self.ident(table)}\n  " + ",\n  ".join(actions) + ";")

    def create_view(self) -> None:
        """A view or materialized view on one table; made after the other steps, which know nothing of views."""
        table = self.choice(self.tables)
        tab = self.tables[table]
        if not tab.cols:
            return
        name, materialized = self.new_name("v"), self.draw(st.booleans())
        if self.draw(st.booleans()):
            items, first = "*", next(iter(tab.cols))
        else:
            picked = self.draw(st.lists(st.sampled_from(sorted(tab.cols)), min_size=1, max_size=3, unique=True))
            outs = [c if self.draw(st.booleans()) else self.new_name("c") for c in picked]
            items = ", ".join(self.ident(c) + ("" if o == c else f" AS {self.ident(o)}") for c, o in zip(picked, outs))
            first = outs[0]
        options = " WITH (security_invoker = true)" if not materialized and self.draw(st.booleans()) else ""
        kind = "MATERIALIZED VIEW" if materialized else "VIEW"
        self.emit(f"CREATE {kind} {self.ident(name)}{options} AS SELECT {items} FROM {self.ident(table)};")
        if materialized and self.draw(st.booleans()):
            self.emit(f"CREATE INDEX ON {self.ident(name)} ({self.ident(first)});")

    def step(self) -> None:
        if not self.tables:
            return self.create_table()
        getattr(self, self.choice(STEPS))()


STEPS = ["create_table", "create_table", "add_foreign_key", "add_foreign_key", "validate", "rename_table",
         "rename_column", "drop_column", "drop_constraint", "add_unique", "create_index", "rls", "create_policy",
         "create_policy", "alter_policy", "create_table_as", "several_actions"]


def write_history(history: History, folder: Path, files: int) -> None:
    """The statements spread over ``files`` migration files, in order."""
    statements = history.statements
    size = max(1, -(-len(statements) // files))
    for i in range(0, len(statements), size):
        (folder / f"{i // size + 1:03d}_step.sql").write_text("\n\n".join(statements[i:i + size]) + "\n")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_histories_agree_with_postgres(pg_server: postgres.Server, data: st.DataObject) -> None:
    history = History(data)
    for _ in range(data.draw(st.integers(1, 14), label="steps")):
        history.step()
    for _ in range(data.draw(st.integers(0, 2), label="views")):
        history.create_view()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_history(history, folder, data.draw(st.integers(1, 4), label="files"))
        text = "\n".join(f"-- {p.name}\n{p.read_text()}" for p in sorted(folder.glob("*.sql")))
        note(text)
        static = load_schema(folder)
        with pg_server.database() as conn:
            catalog = live.schema_after(conn, discover(folder)[0], folder)
    diff = diff_schemas(static, catalog)
    assert not diff, f"{diff.legend()}\n{diff}\n\n{text}"
