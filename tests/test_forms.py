"""Statement forms of real histories: reasons a user can act on, templates a runner fills in, and the
graph's view nodes. (Each form's model is checked by the parse fixtures against PostgreSQL's catalog.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemalens import load_schema
from schemalens.graph import build_graph
from schemalens.parse import UNPARSED, split_and_parse
from schemalens.report import dot, graph_dict, mermaid

INTERNALS = re.compile(r"<Token|<class|TokenType|Traceback|list index|IndexError|KeyError|AttributeError|NoneType")


@pytest.mark.parametrize("text, kind, says", [
    ("CREATE POLICY p ON", "create policy", "ends before it is complete"),
    ("CREATE POLICY p ON t FOO (true)", "create policy", "unexpected 'FOO'"),
    ("CREATE TABLE t (a int", "create table", "near 'int' at line 2, column 21"),  # the file's line
    ("CREATE VIEW v AS SELEC 1", "create view", "near '1' at line 2"),
    ("ALTER TABLE t ADD CHECK (a > 0", "alter table", "unbalanced parentheses"),
    ("ALTER TABLE t FROBNICATE", "alter table", "could not read"),
    ('ALTER TABLE {{ .Schema }}.t ADD COLUMN x int', "alter table", "template placeholder ({{ .Schema }})"),
])
def test_unparsed_reasons_speak_to_a_user(text: str, kind: str, says: str) -> None:
    [st] = split_and_parse("\n" + text, "001_x.sql")
    assert st.status == UNPARSED and st.kind == kind
    assert says in st.reason and not INTERNALS.search(st.reason), st.reason


def test_a_bad_action_among_several_is_named(tmp_path: Path) -> None:
    (tmp_path / "001_x.sql").write_text("CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int, FROBNICATE c;\n")
    schema = load_schema(tmp_path)
    [u] = schema.unparsed
    assert str(u.source) == "001_x.sql:2" and u.reason.startswith("action 2 of 2 (FROBNICATE …)")
    assert schema.table("t").column_names == ("a",)  # nothing of a statement PostgreSQL would refuse is applied


def test_supabase_auth_namespace_placeholder_is_filled_as_its_migrator_does(tmp_path: Path) -> None:
    (tmp_path / "20240101000000_init.up.sql").write_text(
        'create table if not exists {{ index .Options "Namespace" }}.sessions (id uuid primary key);\n'
        'create index if not exists sessions_id_idx on {{index .Options "Namespace" }}.sessions (id);\n'
        'alter table {{ index .Options "Other" }}.sessions add column x int;\n')
    schema = load_schema(tmp_path)
    assert schema.table("auth.sessions") is not None and [i.name for i in schema.indexes] == ["sessions_id_idx"]
    [u] = schema.unparsed
    assert str(u.source) == "20240101000000_init.up.sql:3" and "template placeholder" in u.reason


def test_views_are_nodes_of_their_own_kind(tmp_path: Path) -> None:
    (tmp_path / "001_x.sql").write_text(
        "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);\n"
        "CREATE VIEW b_view AS SELECT b.id, a.id AS a_id FROM b JOIN a ON a.id = b.a_id;\n"
        "CREATE MATERIALIZED VIEW a_count AS SELECT count(*) FROM a;\n")
    schema = load_schema(tmp_path)
    g = build_graph(schema)
    assert {n: g.nodes[n]["kind"] for n in g} == {"public.a": "table", "public.b": "table",
                                                   "public.b_view": "view", "public.a_count": "materialized view"}
    assert g.nodes["public.b_view"]["reads"] == ("public.a", "public.b") and g.nodes["public.b_view"]["columns"] == 2
    assert list(g.edges("public.b_view")) == []  # no foreign keys: the hierarchy is the tables'
    assert "public__b_view([\"public.b_view\"])" in mermaid(schema) and '"public.b_view" [label="public.b_view", shape=ellipse]' in dot(schema)
    assert [v["name"] for v in graph_dict(schema)["views"]] == ["public.a_count", "public.b_view"]
