"""4.0-runtime-verification runs on another project through papermill and exports to HTML for a meeting.

nbval (pytest's notebooks/ collection) checks the committed outputs on the RevOS sample; this runs 4.0
the way `make notebook-reports` does (only `migrations` and `manifest` given), on data/acme, whose names
share nothing with RevOS: the built database verifies clean, the drift the notebook suggests for acme is
caught. A second run gives `database_url`: that database is verified, and only read.
"""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path

import nbformat
import papermill
import pytest
from nbconvert import HTMLExporter

from schemalens.db import demo, live, verify

ROOT = Path(__file__).parents[1]
NOTEBOOK = ROOT / "notebooks" / "4.0-runtime-verification.ipynb"
ACME = ROOT / "data" / "acme"
DRIFT_TITLES = (  # what the suggested drift for acme (V6 left out, a column by hand) must produce
    "`V6__labels.sql` was never applied to the database (not recorded)",
    "Table `labels` is missing from the database",
    "Table `task_labels` is missing from the database",
    "Column `organisations.added_by_hand` exists in the database but in no migration",
)


def run(tmp_path: Path, **parameters) -> nbformat.NotebookNode:
    out = tmp_path / NOTEBOOK.name
    papermill.execute_notebook(NOTEBOOK, out, kernel_name="python3", cwd=str(out.parent), progress_bar=False,
                               parameters={"migrations": str(ACME / "migrations"),
                                           "manifest": str(ACME / "manifest.yaml"), **parameters})
    return nbformat.read(out, as_version=4)


@pytest.fixture(scope="module")
def verified(tmp_path_factory) -> nbformat.NotebookNode:
    return run(tmp_path_factory.mktemp("reports"))


def outputs(nb: nbformat.NotebookNode, mime: str) -> list[str]:
    return [str(o.data[mime]) for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if mime in o.get("data", {})]


def visible_text(page: str) -> str:
    """The text a reader sees: tags dropped, entities decoded, whitespace collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    page = re.sub(r"</?(code|em|strong)>", "", page)  # inline: no space where they were
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_acme_verifies_clean_and_its_suggested_drift_is_caught(verified) -> None:
    clean, drifted = outputs(verified, "text/markdown")
    assert "**Status:** DATABASE MATCHES THE MIGRATIONS" in clean
    assert "**0 critical**, **0 warning**" in clean and "`supabase_migrations.schema_migrations` records 8" in clean
    assert clean.count("✅ No findings.") == 3  # project, applied migrations, drift
    assert "**Status:** DATABASE DIFFERS FROM THE MIGRATIONS" in drifted
    assert "(Supabase project `acmeprodref0000000000`)" in drifted  # standing in for the manifest's project
    for title in DRIFT_TITLES:
        assert f"{title}\n" in drifted, title
    assert "| `project-ref-mismatch` | 0 |" in drifted  # V4's header names the manifest's project
    assert "| `labels` | `%labels%` | — | labels, task_labels | — |" in drifted  # the group: all missing
    plain = "\n".join(outputs(verified, "text/plain"))
    assert "{'critical': 0, 'warning': 0, 'info': 0}" in plain
    assert "(('V6__labels.sql',),\n 'ALTER TABLE public.organisations ADD COLUMN added_by_hand text')" in plain
    text = "\n".join(outputs(verified, "text/markdown") + outputs(verified, "text/plain"))
    assert "revos" not in text.lower() and "cartridge" not in text and "agencies" not in text
    tags = [c.metadata.get("tags", []) for c in verified.cells]
    assert tags.index(["injected-parameters"]) == tags.index(["parameters"]) + 1


def test_meeting_html_has_the_verification_but_no_code_or_temporary_paths(verified) -> None:
    page, _ = HTMLExporter(exclude_input=True).from_notebook_node(verified)
    seen = visible_text(page)
    for text in ("Runtime Verification:", "DATABASE MATCHES THE MIGRATIONS", "DATABASE DIFFERS FROM THE MIGRATIONS",
                 "No findings.", "-- V6__labels.sql:4: defined here CREATE TABLE labels (",
                 "-- V1__init.sql:8: `organisations` is defined here", *(t.replace("`", "") for t in DRIFT_TITLES)):
        assert text in seen, text
    assert "verify_built(" not in page and "import pandas" not in page
    # the repository itself may live under the temporary folder (a CI clone): only other temporary paths count
    outside_repo = page.replace(str(ROOT), "<repository>")
    assert tempfile.gettempdir() + "/" not in outside_repo and "schemalens-pg-" not in page
    # The parameters were absolute paths: the migration folder heads each report, nothing else shows.
    assert set(re.findall(re.escape(str(ROOT)) + r"\S*", seen)) == {str(ACME / "migrations")}


def test_a_database_url_is_verified_and_only_read(tmp_path, pg_server) -> None:
    by_hand = "ALTER TABLE members ADD COLUMN nickname text"
    with demo.drifted_database(ACME / "migrations", extra_sql=by_hand, server=pg_server) as dsn:
        with verify.open_session(dsn) as conn:
            before = live.introspect(conn)
        nb = run(tmp_path, database_url=dsn)
        with verify.open_session(dsn) as conn:
            assert live.introspect(conn) == before
    report = outputs(nb, "text/markdown")[0]
    assert "**Status:** DATABASE DIFFERS FROM THE MIGRATIONS" in report
    assert "### 1. ⚠️ Column `members.nickname` exists in the database but in no migration" in report
    assert "The DSN is not a Supabase host: the project is not checked." in report
    assert "**0 critical**, **1 warning**" in report and "records 8 migrations" in report
