"""The seed's facts, read from the RevOS sample migrations with file:line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemalens import load_schema
from schemalens.cli import main
from schemalens.read.graph import build_graph, coverage_totals, paths_to_root, roots

SAMPLE = Path(__file__).parents[1] / "data" / "revos" / "migrations"


@pytest.fixture(scope="module")
def schema():
    return load_schema(SAMPLE)


def test_hierarchy_is_agencies_clients_users(schema) -> None:
    g = build_graph(schema)
    assert paths_to_root(g, "users") == [["public.users", "public.clients", "public.agencies"]]
    assert "public.agencies" in roots(g)
    assert str(schema.foreign_keys_from("users")[0].source) == "001_initial_schema.sql:44"


def test_users_id_is_standalone(schema) -> None:
    users = schema.table("users")
    assert users.primary_key == ("id",)
    assert not [fk for fk in schema.foreign_keys_from("users") if "id" in fk.columns]
    assert str(users.column("id").source) == "001_initial_schema.sql:43"


def test_cartridge_tables_reference_auth_users(schema) -> None:
    cartridges = [t.name for t in schema.tables if "cartridge" in t.name]
    assert len(cartridges) == 4
    for name in cartridges:
        [fk] = schema.foreign_keys_from(name)
        assert (fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete) == (("user_id",), "auth.users", ("id",), "CASCADE")
        assert fk.source.file == "037_client_cartridges.sql"
    assert build_graph(schema).nodes["auth.users"]["external"]


def test_users_policy_compares_auth_uid_with_id(schema) -> None:
    [policy] = [p for p in schema.policies_on("users") if p.name == "Users can view own record"]
    assert (policy.command, policy.using) == ("SELECT", "auth.uid() = id")
    assert str(policy.source) == "009_add_rls_policies_all_tables.sql:27"


def test_no_trigger_syncs_auth_users(schema) -> None:
    assert schema.triggers_on("auth.users") == ()


def test_header_of_037_names_another_project(schema) -> None:
    assert schema.header("supabase project") == {"037_client_cartridges.sql": "kvjcidxbyimoswntpjcp"}


def test_nothing_is_lost(schema) -> None:
    totals = coverage_totals(schema)
    statements = sum(totals.values())
    listed = len(schema.unparsed) + len(schema.not_analysed)
    assert totals["unparsed"] + totals["not analysed"] == listed
    assert statements > 150 and totals["unparsed"] == 0


def test_graph_command_json_has_the_facts_with_file_and_line(capsys) -> None:
    assert main(["graph", str(SAMPLE), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    users = next(t for t in data["tables"] if t["name"] == "public.users")
    assert users["source"] == "001_initial_schema.sql:42" and users["rls_enabled"]
    fk = next(f for f in data["foreign_keys"] if f["table"] == "public.users")
    assert fk == {"table": "public.users", "columns": ["client_id"], "ref_table": "public.clients", "ref_columns": ["id"],
                  "name": "users_client_id_fkey", "on_delete": "CASCADE", "on_update": "NO ACTION",
                  "source": "001_initial_schema.sql:44"}
    assert {"unparsed", "policies", "tables", "foreign_keys"} <= data.keys()


@pytest.mark.parametrize("fmt,needle", [("mermaid", 'public__users -->|client_id| public__clients'),
                                        ("dot", '"public.users" -> "public.clients"')])
def test_graph_command_other_formats(fmt, needle, capsys) -> None:
    assert main(["graph", str(SAMPLE), "--format", fmt]) == 0
    assert needle in capsys.readouterr().out


def test_graph_command_bad_folder_exits_2(tmp_path, capsys) -> None:
    assert main(["graph", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and err.count("\n") == 1


def test_every_command_has_help_with_an_example(capsys) -> None:
    from schemalens.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert "example:" in p.format_help(), name
