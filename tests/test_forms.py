"""Statement forms of real histories: reasons a user can act on, templates a runner fills in, and the
graph's view nodes. (Each form's model is checked by the parse fixtures against PostgreSQL's catalog.)"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from schemalens import load_schema
from schemalens.cli import main
from schemalens.core.model import Source
from schemalens.db import live, postgres
from schemalens.db.exact import exact_schema
from schemalens.present.report import dot, graph_dict, mermaid
from schemalens.read.diff import diff_schemas
from schemalens.read.graph import build_graph
from schemalens.read.migrations import discover
from schemalens.read.parse import UNPARSED, split_and_parse

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


def test_exact_mode_reads_back_what_do_blocks_did(tmp_path: Path, pg_server: postgres.Server) -> None:
    """DDL inside DO blocks joins the model from a built database, attributed to its block; the model
    then equals the catalog with nothing excused."""
    shutil.copy(Path(__file__).parent / "fixtures" / "exact" / "do_blocks.sql", tmp_path / "001_do_blocks.sql")
    static = load_schema(tmp_path)
    assert static.table("object") is None and static.table("bucket").column("public") is None
    exact = exact_schema(tmp_path, pg_server, static)
    assert exact.table("object").source == Source("001_do_blocks.sql", 3)
    assert exact.table("bucket").column("public").source == Source("001_do_blocks.sql", 10)
    assert exact.table("bucket").rls_enabled and exact.table("bucket").column("id").source.line == 2  # kept
    assert [(i.name, str(i.source)) for i in exact.indexes] == [("object_path_idx", "001_do_blocks.sql:10")]
    assert {e.name for e in exact.enums} == {"public.visibility"} and not exact.warnings
    assert ("table", "public.object") in exact.from_database and ("column", "public.bucket.public") in exact.from_database
    assert all(u.reason.endswith("read back from the database after running it") for u in exact.not_analysed[:2])
    with pg_server.database() as conn:
        catalog = live.schema_after(conn, discover(tmp_path)[0], tmp_path)
    assert not diff_schemas(exact, catalog), diff_schemas(exact, catalog)
    assert diff_schemas(static, catalog)  # what the static model alone could not see


def test_graph_exact_on_the_command_line(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "exact" / "do_blocks.sql", folder / "001_do_blocks.sql")
    assert main(["graph", str(folder), "--exact"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"kind": "table", "name": "public.object"} in out["from_database"]
    assert {fk["table"] for fk in out["foreign_keys"]} == {"public.object"}


def test_several_actions_on_a_missing_table_warn_once(tmp_path: Path) -> None:
    (tmp_path / "001_x.sql").write_text("ALTER TABLE ghost ADD COLUMN a int, ADD COLUMN b int, DISABLE TRIGGER ALL;\n")
    [w] = load_schema(tmp_path).warnings
    assert w.reason == "table public.ghost does not exist" and str(w.source) == "001_x.sql:1"
