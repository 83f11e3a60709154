"""Discovery, ordering and reading of migration folders, and bad input that must be reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemalens import load_schema
from schemalens.core.errors import InputError
from schemalens.read.migrations import discover


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return root


LAYOUTS = {
    "flyway": (["V10__c.sql", "V2__b.sql", "V1__a.sql", "V2_1__b2.sql"], ["V1__a.sql", "V2__b.sql", "V2_1__b2.sql", "V10__c.sql"]),
    "supabase": (["20240301000000_c.sql", "20240101120000_a.sql", "20240201000000_b.sql"],
                 ["20240101120000_a.sql", "20240201000000_b.sql", "20240301000000_c.sql"]),
    "numbered": (["010_c.sql", "001_a.sql", "002_b.sql"], ["001_a.sql", "002_b.sql", "010_c.sql"]),
    "dashes": (["00010-c.sql", "00002-b.sql"], ["00002-b.sql", "00010-c.sql"]),
    "diesel": (["2019-02-26-002946_b/up.sql", "2019-02-26-002946_b/down.sql", "2019-02-03-000000_a/up.sql"],
               ["2019-02-03-000000_a/up.sql", "2019-02-26-002946_b/up.sql"]),
    "golang-migrate": (["2_b.up.sql", "2_b.down.sql", "1_a.up.sql", "1_a.down.sql", "10_c.up.sql"],
                       ["1_a.up.sql", "2_b.up.sql", "10_c.up.sql"]),
    "nested": (["2024/002_b.sql", "2023/001_a.sql"], ["2023/001_a.sql", "2024/002_b.sql"]),
}


@pytest.mark.parametrize("layout", LAYOUTS, ids=list(LAYOUTS))
def test_layouts_are_ordered_by_version(layout: str, tmp_path: Path) -> None:
    names, expected = LAYOUTS[layout]
    write(tmp_path, {n: "SELECT 1;" for n in names})
    files, warnings = discover(tmp_path)
    assert [f.name for f in files] == expected
    assert warnings == ()


def test_two_files_with_one_version_warn_and_keep_both(tmp_path: Path) -> None:
    write(tmp_path, {"002_b.sql": "CREATE TABLE b (id int);", "002_a.sql": "CREATE TABLE a (id int);"})
    files, warnings = discover(tmp_path)
    assert [f.name for f in files] == ["002_a.sql", "002_b.sql"]
    assert len(warnings) == 1 and "same version as 002_a.sql" in warnings[0].reason
    assert warnings[0].source.file == "002_b.sql"
    assert {t.name for t in load_schema(tmp_path).tables} == {"public.a", "public.b"}


def test_unnumbered_files_come_last_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, {"schema.sql": "SELECT 1;", "001_a.sql": "SELECT 1;"})
    files, warnings = discover(tmp_path)
    assert [f.name for f in files] == ["001_a.sql", "schema.sql"]
    assert "no version number" in warnings[0].reason


def test_missing_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist") as e:
        discover(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(e.value)


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"README.md": "no sql here"})
    with pytest.raises(InputError, match=r"no migration files"):
        discover(tmp_path)


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    write(tmp_path, {"001_a.sql": "SELECT 1;"})
    with pytest.raises(InputError, match="not a folder"):
        discover(tmp_path / "001_a.sql")


def test_bom_and_crlf_keep_lines(tmp_path: Path) -> None:
    text = "\ufeff-- Supabase Project: abc\r\nCREATE TABLE a (\r\n  id int PRIMARY KEY,\r\n  b_id int REFERENCES a(id)\r\n);\r\n"
    write(tmp_path, {"001_a.sql": text.encode("utf-8")})
    schema = load_schema(tmp_path)
    assert str(schema.table("a").source) == "001_a.sql:2"
    assert str(schema.foreign_keys[0].source) == "001_a.sql:4"
    assert schema.header("supabase project") == {"001_a.sql": "abc"}


def test_non_utf8_file_is_reported_with_its_line_and_the_rest_is_kept(tmp_path: Path) -> None:
    raw = "CREATE TABLE a (id int PRIMARY KEY);\n-- caf\xe9\nCREATE TABLE b (id int);\n".encode("latin-1")
    write(tmp_path, {"001_a.sql": raw, "002_c.sql": "CREATE TABLE c (id int);"})
    schema = load_schema(tmp_path)
    assert {t.name for t in schema.tables} == {"public.a", "public.b", "public.c"}
    [problem] = [w for w in schema.warnings if "UTF-8" in w.reason]
    assert str(problem.source) == "001_a.sql:2" and "0xe9" in problem.reason


def test_unparseable_statement_mid_file_hides_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"001_a.sql": "CREATE TABLE a (id int);\nCREATE TABLE b (id int;\n\nCREATE TABLE c (id int);\n"})
    schema = load_schema(tmp_path)
    assert {t.name for t in schema.tables} == {"public.a", "public.c"}
    [bad] = schema.unparsed
    assert str(bad.source) == "001_a.sql:2" and "CREATE TABLE b" in bad.statement and bad.reason


def test_unterminated_quote_splits_at_line_ends_and_keeps_the_rest(tmp_path: Path) -> None:
    write(tmp_path, {"001_a.sql": "CREATE TABLE a (id int);\nCOMMENT ON TABLE a IS 'oops;\nCREATE TABLE c (id int);\n"})
    schema = load_schema(tmp_path)
    assert schema.table("a") is not None and schema.table("c") is not None
    assert [str(u.source) for u in schema.unparsed] == ["001_a.sql:2"]


def test_alter_of_a_missing_table_is_a_warning_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, {"001_a.sql": "CREATE TABLE a (id int);\n\nALTER TABLE ghost ADD COLUMN x int;\n"})
    schema = load_schema(tmp_path)
    [w] = schema.warnings
    assert str(w.source) == "001_a.sql:3" and "ghost does not exist" in w.reason


def test_ddl_in_strings_and_do_blocks_is_not_schema(tmp_path: Path) -> None:
    write(tmp_path, {"001_a.sql": (
        "DO $$ BEGIN CREATE TABLE in_do (id int); END $$;\n"
        "COMMENT ON SCHEMA public IS 'CREATE TABLE in_string (id int);';\n"
        "CREATE FUNCTION f() RETURNS void AS $f$ BEGIN EXECUTE 'CREATE TABLE in_fn (id int)'; END $f$ LANGUAGE plpgsql;\n")})
    schema = load_schema(tmp_path)
    assert schema.tables == ()
    [do] = schema.not_analysed
    assert str(do.source) == "001_a.sql:1" and "not analysed" in do.reason


def test_quoted_names_keep_case_and_unquoted_fold(tmp_path: Path) -> None:
    write(tmp_path, {"001_a.sql": 'CREATE TABLE "Org" ("Id" int PRIMARY KEY); CREATE TABLE Team (Org_Id int REFERENCES "Org");'})
    schema = load_schema(tmp_path)
    assert [t.name for t in schema.tables] == ["public.Org", "public.team"]
    fk = schema.foreign_keys[0]
    assert (fk.columns, fk.ref_table, fk.ref_columns, fk.name) == (("org_id",), "public.Org", ("Id",), "team_org_id_fkey")


def test_default_constraint_names_are_numbered_when_taken(tmp_path: Path) -> None:
    write(tmp_path, {"001_a.sql": "CREATE TABLE p (id int PRIMARY KEY);\n"
                                  "CREATE TABLE c (p_id int, CONSTRAINT c_p_id_fkey CHECK (p_id > 0));\n"
                                  "ALTER TABLE c ADD FOREIGN KEY (p_id) REFERENCES p;\n"
                                  "ALTER TABLE c ADD FOREIGN KEY (p_id) REFERENCES p;\n"})
    names = [fk.name for fk in load_schema(tmp_path).foreign_keys]
    # the CHECK constraint holds c_p_id_fkey: PostgreSQL's default names avoid every constraint's name
    assert names == ["c_p_id_fkey1", "c_p_id_fkey2"]


def test_parsing_pauses_the_garbage_collector_and_resumes_it(tmp_path: Path) -> None:
    import gc

    from schemalens import load_schema, paused_gc

    (tmp_path / "001_a.sql").write_text("CREATE TABLE a (id int PRIMARY KEY);\n")
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        assert [t.name for t in load_schema(tmp_path).tables] == ["public.a"]
        assert not gc.isenabled()  # nested: an inner pause does not resume it early
    assert gc.isenabled()
    gc.disable()
    try:
        load_schema(tmp_path)
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()
