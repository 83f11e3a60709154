"""Names from other people's files rendered into SQL, Markdown, DOT and Mermaid (schemalens.core.names).

The reproductions of issue 11 (a newline in a table name ending a ``--`` comment in up.sql, a manifest
name reaching up/down/preflight, ``$fn$`` in a name, DOT attribute injection) run the generated
scripts on the embedded PostgreSQL and look in its catalog. The property test draws names from any
Unicode text and proves, with PostgreSQL's own parser, that every generated script is exactly the
statements the generator meant.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import psycopg
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from schemalens import cli
from schemalens.assess.compare import analyse
from schemalens.core.errors import InputError
from schemalens.core.names import (
    comment,
    dollar_quote,
    dot_string,
    md_cell,
    md_code,
    md_text,
    mermaid_id,
    mermaid_label,
    quote_ident,
    quote_literal,
    truncate_identifier,
)
from schemalens.decide.decisions import Decisions, Option
from schemalens.decide.options import decide
from schemalens.present import report
from schemalens.present.decision_report import decision_files
from schemalens.present.display import shown
from schemalens.read.parse import split_and_parse
from schemalens.read.replay import replay

HOSTILE = [
    "x\nCREATE TABLE IF NOT EXISTS inj_a(); --",
    "a\rb",
    'q"uote',
    "it's",
    "back\\slash",
    "$fn$",
    "--",
    "*/",
    "order",
    "Mixed Case",
    "é" * 40,
    "x" * 70,
    "\x07bell\x1b[31m",
    "\u2028line\u2029",
    "``tick`",
    "a|b",
    "<script>alert(1)</script>",
]


def _objects(conn: psycopg.Connection) -> set[tuple[str, ...]]:
    """Every user object PostgreSQL's catalog holds: relations, functions, triggers, policies, schemas."""
    rows = conn.execute(
        """SELECT 'rel', n.nspname, c.relname, c.relkind::text FROM pg_catalog.pg_class c
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
           UNION ALL
           SELECT 'fn', n.nspname, p.proname, '' FROM pg_catalog.pg_proc p
             JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
           UNION ALL
           SELECT 'trigger', t.tgrelid::regclass::text, t.tgname, '' FROM pg_catalog.pg_trigger t
            WHERE NOT t.tgisinternal
           UNION ALL
           SELECT 'policy', p.polrelid::regclass::text, p.polname, '' FROM pg_catalog.pg_policy p
           UNION ALL
           SELECT 'schema', nspname, '', '' FROM pg_catalog.pg_namespace"""
    ).fetchall()
    return set(rows)


def _statements_run(conn: psycopg.Connection, script: str) -> int:
    """How many statements PostgreSQL itself found in ``script`` (simple query protocol: one result each)."""
    cur = psycopg.ClientCursor(conn)
    cur.execute(script)
    n = 1
    while cur.nextset():
        n += 1
    return n


def _project(tmp: Path, migration: str, manifest: str) -> Decisions:
    (tmp / "m").mkdir()
    (tmp / "m" / "001_init.sql").write_text(migration, encoding="utf-8")
    (tmp / "manifest.yaml").write_text(manifest, encoding="utf-8")
    return decide(analyse(tmp / "m", tmp / "manifest.yaml"))


def _check_option(conn: psycopg.Connection, o: Option) -> None:
    """Preflight, up, every stage and down, each counted by PostgreSQL as the statements meant."""
    for c in o.checks:
        assert _statements_run(conn, c.sql) == 1, c.sql
    if o.checks:
        assert _statements_run(conn, o.preflight()) == len(o.checks), o.preflight()
    for name in o.scripts:
        steps = o.steps(name)
        if steps and o.autocommit(name):  # not one transaction: each step alone, one statement each
            assert all(_statements_run(conn, s.sql) == 1 for s in steps), o.script(name)
        elif steps:  # BEGIN, SET LOCAL lock_timeout, the steps, COMMIT
            assert _statements_run(conn, o.script(name)) == len(steps) + 3, o.script(name)


def _run_all(conn: psycopg.Connection, ds: Decisions, migration: str, say=lambda text: None) -> None:
    """The migration, then every option's scripts (counted), each option leaving the catalog as it found it."""
    _statements_run(conn, migration)
    before = _objects(conn)
    for o in ds.options():
        say(f"{o.decision} {o.key}")
        _check_option(conn, o)
        assert _objects(conn) == before, f"{o.decision} {o.key}: up then down left the catalog changed"


# Renderings, one target each -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_identifier_and_literal_read_back_as_the_name(pg_db: psycopg.Connection, name: str) -> None:
    pg_db.execute(f"CREATE TABLE {quote_ident(name)} ({quote_ident(name + '_c')} int)")
    stored = pg_db.execute("SELECT relname FROM pg_class WHERE relname = %s", (truncate_identifier(name),))
    assert stored.fetchone() == (truncate_identifier(name),)
    assert pg_db.execute(f"SELECT {quote_literal(name)}").fetchone() == (name,)


def test_literals_hold_under_either_string_setting(pg_db: psycopg.Connection) -> None:
    value = "a\\'; SELECT 1; --\\"
    for setting in ("on", "off"):
        pg_db.execute(f"SET standard_conforming_strings = {setting}")
        assert pg_db.execute(f"SELECT {quote_literal(value)}").fetchone() == (value,)


def test_identifiers_quote_reserved_words_case_and_long_names() -> None:
    assert [quote_ident(n) for n in ("order", "users", "Users", "user_id", "1a", "a$b")] == [
        '"order"', "users", '"Users"', "user_id", '"1a"', "a$b"]
    assert quote_ident("x" * 70) == "x" * 63
    assert quote_ident("é" * 40) == '"' + "é" * 31 + '"'
    with pytest.raises(InputError, match="NUL"):
        quote_ident("a\0b")
    with pytest.raises(InputError, match="NUL"):
        quote_literal("a\0b")
    with pytest.raises(InputError, match="surrogate"):
        quote_literal("\ud800")


@pytest.mark.parametrize("name", HOSTILE)
def test_a_comment_line_stays_one_comment(pg_db: psycopg.Connection, name: str) -> None:
    line = f"-- {comment(name)}\nSELECT 1"
    assert "\n" not in comment(name) and "\r" not in comment(name)
    assert _statements_run(pg_db, line) == 1 and pg_db.execute(line).fetchone() == (1,)


@pytest.mark.parametrize("body", ["SELECT 1", "SELECT '$fn$'", "x$fn", "$fn$$fn_1$", "$", "fn$"])
def test_a_dollar_quoted_body_reads_back_whole(pg_db: psycopg.Connection, body: str) -> None:
    assert pg_db.execute(f"SELECT {dollar_quote(body, 'fn')}").fetchone() == (body,)


def test_markdown_renderings_cannot_leave_their_span() -> None:
    for name in HOSTILE:
        code = md_code(name)
        fence = code[: len(code) - len(code.lstrip("`"))]
        inner = code[len(fence): len(code) - len(fence)]
        assert fence not in inner and "\n" not in code  # nothing closes the span early or splits the line
        assert "|" not in md_cell(code).replace("\\|", "")
        assert "<" not in md_text(name).replace("\\<", "") and "\n" not in md_text(name)
    assert md_text("agency_id") == "agency_id" and md_code("users") == "`users`"


def test_dot_and_mermaid_cannot_add_attributes(tmp_path: Path) -> None:
    """Issue 11: ``graph --format dot`` wrote ``URL="javascript:…"`` from a table name."""
    name = 'x", URL="javascript:alert(1)", a="\nb'
    migration = (f"CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE {quote_ident(name)} "
                 f"(id int PRIMARY KEY, p_id int REFERENCES p (id));\n")
    schema = replay(split_and_parse(migration, "001.sql"))
    dot = report.dot(schema)
    assert "URL=" not in dot.replace('URL=\\"', "")  # only inside a string, escaped
    for line in dot.splitlines()[3:-1]:  # every node or edge line is IDs and one attribute list
        assert line.rstrip().endswith("];") and line.count("[") - line.count('\\"[') >= 1
    assert dot_string(name).count('"') - dot_string(name).count('\\"') == 2
    mermaid = report.mermaid(schema)
    assert all(" -->|" in ln or ln.count('"') == 2 for ln in mermaid.splitlines()[1:-1])
    assert len(mermaid.splitlines()) == 5  # header, two nodes, one edge, classDef: the newline added none
    assert mermaid_id(name).replace("_", "").isalnum() and mermaid_id(name).isascii()
    assert mermaid_label(name).count('"') == 2


# Reproductions of issue 11 section 1 ------------------------------------------------------------------------


def test_a_newline_in_a_table_name_stays_in_its_comment(tmp_path: Path, pg_db: psycopg.Connection) -> None:
    migration = ('CREATE TABLE agencies (id uuid PRIMARY KEY);\n'
                 'CREATE TABLE "x\nCREATE TABLE IF NOT EXISTS inj_a(); --" (id uuid PRIMARY KEY);\n')
    ds = _project(tmp_path, migration, "platform: supabase\nroot: agencies\n")
    assert any(o.decision == "enable-rls" for o in ds.options())
    _run_all(pg_db, ds, migration)
    assert pg_db.execute("SELECT to_regclass('public.inj_a')").fetchone() == (None,)
    assert cli.main(["decisions", str(tmp_path / "m"), "--manifest", str(tmp_path / "manifest.yaml"),
                     "--write", str(tmp_path / "out")]) == 0
    written = {p.relative_to(tmp_path / "out").as_posix(): p.read_text() for p in (tmp_path / "out").rglob("*.sql")}
    assert written == {k: v for k, v in decision_files(ds).items() if k.endswith(".sql")}  # the scripts PostgreSQL counted


def test_a_manifest_name_with_a_newline_reaches_no_script_as_sql(tmp_path: Path, pg_db: psycopg.Connection) -> None:
    migration = "CREATE TABLE agencies (id uuid PRIMARY KEY);\nCREATE TABLE clients (id uuid PRIMARY KEY, " \
                "agency_id uuid REFERENCES agencies (id));\n"
    root = '"ten\nCREATE TABLE inj_b (); --"'
    ds = _project(tmp_path, migration, f"root: {json.dumps(root)}\n")
    scripts = [s for o in ds.options() for s in [o.preflight(), *(o.script(n) for n in o.scripts)]]
    assert any("ten\\nCREATE TABLE inj_b" in s for s in scripts)  # the name is there, escaped
    _run_all(pg_db, ds, migration)
    assert pg_db.execute("SELECT to_regclass('public.inj_b')").fetchone() == (None,)


def test_a_dollar_tag_inside_a_name_keeps_the_function_body_whole(tmp_path: Path, pg_db: psycopg.Connection) -> None:
    migration = 'CREATE TABLE "pro$fn$files" (id uuid PRIMARY KEY, email text);\n'
    manifest = 'root: "pro$fn$files"\nforeign_keys:\n  - "pro$fn$files.id -> auth.users.id"\n'
    ds = _project(tmp_path, migration, manifest)
    trigger = ds["user-mapping"].option("C")
    assert "CREATE FUNCTION" in trigger.script("up") and "$fn_1$" in trigger.script("up")
    _run_all(pg_db, ds, migration)
    _statements_run(pg_db, trigger.script("up"))
    pg_db.execute("INSERT INTO auth.users (id, email) VALUES (gen_random_uuid(), 'a@example.org')")
    assert pg_db.execute('SELECT count(*) FROM "pro$fn$files"').fetchone() == (1,)


def test_a_policy_predicate_renamed_to_a_reserved_word_stays_valid(pg_db: psycopg.Connection) -> None:
    """Issue 12: replay rewrote predicates with a helper that wrote ``order`` bare."""
    migration = (
        "CREATE TABLE items (id int PRIMARY KEY, owner_id uuid);\n"
        "CREATE POLICY own ON items USING (owner_id = auth.uid());\n"
        "ALTER TABLE items RENAME COLUMN owner_id TO \"order\";\n"
        "ALTER TABLE items RENAME TO \"select\";\n"
    )
    schema = replay(split_and_parse(migration, "001.sql"))
    (policy,) = schema.policies
    assert policy.using == '"order" = auth.uid()'
    pg_db.execute(f"CREATE TABLE {quote_ident('select')} ({quote_ident('order')} uuid)")
    pg_db.execute(f"CREATE POLICY p ON {quote_ident('select')} USING ({policy.using})")


# The property: any Unicode name -------------------------------------------------------------------------------

# Any Unicode text but NUL (PostgreSQL cannot store it), "." (schemalens names tables "schema.table") and
# CR (migrations.read_text folds a lone CR into LF, inside quoted names too: a reader limitation, not a
# rendering one).
NAMES = st.text(st.characters(blacklist_characters="\0.\r", blacklist_categories=("Cs",)), min_size=1,
                max_size=70)


@settings(max_examples=int(os.environ.get("NAMES_EXAMPLES", "12")), deadline=None, suppress_health_check=list(HealthCheck),
          phases=(Phase.explicit, Phase.reuse, Phase.generate))  # no shrinking: each example is a database
@given(root=NAMES, child=NAMES, column=NAMES, assumed=NAMES)
def test_generated_scripts_are_exactly_the_statements_meant(pg_server, root, child, column, assumed) -> None:
    names = {truncate_identifier(n) for n in (root, child)}
    if len(names) < 2 or not assumed.replace('"', "") or truncate_identifier(column) in ("id", "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"):
        return
    migration = (
        f"CREATE TABLE {quote_ident(root)} (id uuid PRIMARY KEY);\n"
        f"CREATE TABLE {quote_ident(child)} (id uuid PRIMARY KEY, "
        f"{quote_ident(column)} uuid REFERENCES {quote_ident(root)} (id));\n"
    )
    note(migration)
    with tempfile.TemporaryDirectory() as tmp:
        # the manifest writes a quoted name without '"' (its own syntax has no escape for it)
        written = '"' + assumed.replace('"', "") + '"'
        manifest = yaml.safe_dump({"platform": "supabase", "root": written}, default_style='"', allow_unicode=True)
        ds = _project(Path(tmp), migration, manifest)
    assert list(ds.options())
    with pg_server.database(standins=True) as conn:
        _run_all(conn, ds, migration, note)


def test_markdown_reports_show_hostile_names_as_text(tmp_path: Path) -> None:
    """A table name with HTML, a backtick, a pipe and a newline stays text in every Markdown writer."""
    mistune = pytest.importorskip("mistune")
    html = mistune.create_markdown(escape=False, plugins=["table"])
    name = "x`<img src=x onerror=alert(1)>|\n# y"
    migration = (f"CREATE TABLE agencies (id uuid PRIMARY KEY);\nCREATE TABLE {quote_ident(name)} "
                 f"(id uuid PRIMARY KEY, agency_id uuid REFERENCES agencies (id));\n")
    ds = _project(tmp_path, migration, "platform: supabase\nroot: agencies\n")
    findings = ds.findings
    texts = {"schema": report.schema_markdown(findings.schema), "findings": shown(findings),
             "decisions": shown(ds)}
    for what, text in texts.items():
        assert "<img" not in html(text) and "<h1>y" not in html(text), what  # no HTML, no heading made


def test_a_group_pattern_reaches_its_verification_query_as_a_literal() -> None:
    from schemalens.db.verify import GroupCheck

    check = GroupCheck("x", "a%'; DROP TABLE users; --", (), (), (), ())
    assert check.sql.endswith("AND table_name LIKE 'a%''; DROP TABLE users; --';")


def test_a_hostile_name_in_a_planned_document_writes_one_folder_per_decision(tmp_path: Path) -> None:
    """A table only a planned document names opens ``document-table-<name>``; its id is a folder name
    when `decisions --write` runs: ``/``, ``..``, a newline and ``$$`` must not make it another path."""
    from schemalens.assess.compare import analyse
    from schemalens.decide.options import decide
    from schemalens.present.decision_report import write_decisions

    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "001_init.sql").write_text("CREATE TABLE orgs (id uuid PRIMARY KEY);\n")
    (tmp_path / "plans").mkdir()
    evil = "../../ev$$il\nx" + "a" * 60
    (tmp_path / "plans" / "01.md").write_text(
        f'```sql\nCREATE TABLE invoices (id uuid PRIMARY KEY, t_id uuid REFERENCES "{evil}" (id));\n```\n')
    (tmp_path / "manifest.yaml").write_text("root: orgs\ndocuments:\n  - plans/*.md\n")
    decisions = decide(analyse(tmp_path / "m", tmp_path / "manifest.yaml"))
    ids = [d.id for d in decisions.decisions]
    assert any(i.startswith("document-table-../../ev$$il\n") for i in ids)  # the name cut at 63 bytes
    out = tmp_path / "out"
    written = write_decisions(decisions, out)
    tops = {p.relative_to(out).parts[0] for p in written} - {"rewrite-documents"}
    assert len(tops) == len(ids)  # one folder per decision, none split by the name's "/"
    assert all("\n" not in p and "/" not in p and p not in (".", "..") for p in tops)
    assert {p.parent.parent.parent for p in written if p.name == "up.sql"} == {out}  # <decision>/<option>/up.sql


def test_the_mirror_and_forget_names_of_long_tables_stay_apart_and_fit() -> None:
    """scope D's trigger names were cut with ``[:63]``: a 70-byte table gave its truncate trigger the row
    trigger's name, and two long tables with one prefix gave one function name."""
    from schemalens.decide.options.mirror import forget_name, mirror_name

    a, b = "public." + "é" * 30 + "a_cartridges", "public." + "é" * 30 + "b_cartridges"
    names = [mirror_name(a, "cartridges"), mirror_name(a, "cartridges", "_truncate"), mirror_name(b, "cartridges"),
             forget_name("c" * 70), forget_name("c" * 70, "_truncate")]
    assert all(len(n.encode()) <= 63 for n in names) and len(set(names)) == len(names)
    assert mirror_name("public.style_cartridges", "cartridges") == "mirror_style_cartridges_to_cartridges"
