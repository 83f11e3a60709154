"""Replay's explicit table of handlers (statement kind -> function, schemalens.read.replay.HANDLERS).

Every kind in the table is one the parser writes (a statement of each kind parses to it), every kind the
parser writes for a schema change has a handler, and replay dispatches through the table: a handler put in
its place is the one called.
"""

from __future__ import annotations

import pytest

from schemalens.read.parse import UNDERSTOOD, split_and_parse
from schemalens.read.replay import HANDLERS, replay
from schemalens.read.replay import replayer as replayer_module

CASES = {
    "set search_path": "SET search_path TO app, public",
    "create table": "CREATE TABLE t (id int)",
    "alter table": "ALTER TABLE t ADD COLUMN x int",
    "drop table": "DROP TABLE t",
    "alter table partition": "ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)",
    "alter table option": "ALTER TABLE t SET (fillfactor = 70)",
    "alter table validate": "ALTER TABLE t VALIDATE CONSTRAINT c",
    "alter table rename constraint": "ALTER TABLE t RENAME CONSTRAINT a TO b",
    "alter table add check": "ALTER TABLE t ADD CONSTRAINT c CHECK (id > 0)",
    "alter table using index": "ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX i",
    "alter table actions": "ALTER TABLE t ADD COLUMN a int, ENABLE ROW LEVEL SECURITY",
    "alter table rls": "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
    "create index": "CREATE INDEX i ON t (id)",
    "alter index": "ALTER INDEX i RENAME TO j",
    "drop index": "DROP INDEX i",
    "alter index partition": "ALTER INDEX p_idx ATTACH PARTITION c_idx",
    "create policy": "CREATE POLICY p ON t USING (true)",
    "alter policy": "ALTER POLICY p ON t RENAME TO q",
    "drop policy": "DROP POLICY p ON t",
    "grant": "GRANT SELECT ON t TO anon",
    "revoke": "REVOKE SELECT ON t FROM anon",
    "create function": "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
    "alter function": "ALTER FUNCTION f() RENAME TO g",
    "alter procedure": "ALTER PROCEDURE p() RENAME TO q",
    "alter routine": "ALTER ROUTINE f() RENAME TO g",
    "drop function": "DROP FUNCTION f",
    "drop procedure": "DROP PROCEDURE p",
    "create trigger": "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
    "alter trigger": "ALTER TRIGGER tr ON t RENAME TO tr2",
    "drop trigger": "DROP TRIGGER tr ON t",
    "create type": "CREATE TYPE mood AS ENUM ('a')",
    "alter type": "ALTER TYPE mood ADD VALUE 'b'",
    "alter type rename": "ALTER TYPE mood RENAME TO feeling",
    "drop type": "DROP TYPE mood",
    "create view": "CREATE VIEW v AS SELECT 1 AS x",
    "alter view rename": "ALTER VIEW v RENAME TO w",
    "alter view options": "ALTER VIEW v SET (security_invoker = true)",
    "drop view": "DROP VIEW v",
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_kind_parses_to_a_kind_with_a_handler(kind):
    (st,) = split_and_parse(CASES[kind] + ";", "k.sql")
    assert (st.kind, st.status) == (kind, UNDERSTOOD)
    assert callable(HANDLERS[st.kind])


def test_the_table_holds_exactly_the_kinds_the_parser_writes():
    assert set(HANDLERS) == set(CASES)


def test_a_kind_without_a_handler_changes_nothing():
    s = replay(split_and_parse("CREATE TABLE t (id int); COMMENT ON TABLE t IS 'x'; SELECT 1;", "1.sql"))
    assert [t.name for t in s.tables] == ["public.t"]
    assert "comment" not in HANDLERS and not s.warnings and not s.unparsed


def test_replay_dispatches_through_the_table(monkeypatch):
    seen = []
    original = HANDLERS["create table"]

    def spy(r, node, st):
        seen.append(st.text)
        original(r, node, st)

    monkeypatch.setitem(replayer_module.HANDLERS, "create table", spy)
    s = replay(split_and_parse("CREATE TABLE a (id int); CREATE INDEX i ON a (id);", "1.sql"))
    assert seen == ["CREATE TABLE a (id int)"]
    assert [t.name for t in s.tables] == ["public.a"] and [i.name for i in s.indexes] == ["i"]


def test_alter_table_actions_dispatch_each_action_through_the_table():
    s = replay(split_and_parse("CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN a int, ENABLE ROW LEVEL SECURITY;",
                               "1.sql"))
    assert s.tables[0].column_names == ("id", "a") and s.tables[0].rls_enabled
