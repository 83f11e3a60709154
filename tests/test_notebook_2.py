"""2.0-assumed-vs-actual runs on another project through papermill and exports to HTML for a meeting.

nbval (pytest's notebooks/ collection) checks the committed outputs on the RevOS sample; this runs 2.0
the way `make notebook-reports` does, on data/acme, whose names share nothing with RevOS.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import papermill
import pytest
from nbconvert import HTMLExporter

from schemalens.assess.compare import analyse

ROOT = Path(__file__).parents[1]
NOTEBOOK = ROOT / "notebooks" / "2.0-assumed-vs-actual.ipynb"
ACME = ROOT / "data" / "acme"


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> nbformat.NotebookNode:
    out = tmp_path_factory.mktemp("reports") / NOTEBOOK.name
    papermill.execute_notebook(NOTEBOOK, out, kernel_name="python3",
                               parameters={"migrations": str(ACME / "migrations"),
                                           "manifest": str(ACME / "manifest.yaml")},
                               cwd=str(out.parent), progress_bar=False)
    return nbformat.read(out, as_version=4)


@pytest.fixture(scope="module")
def acme_titles() -> list[str]:
    return [f.title for f in analyse(ACME / "migrations", ACME / "manifest.yaml")]


def outputs(nb: nbformat.NotebookNode, mime: str) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if mime in o.get("data", {})]


def visible_text(page: str) -> str:
    """The text a reader sees: tags dropped, entities decoded, whitespace collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"</?(code|em|strong)>", "", page)  # inline: no space where they were
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_acme_runs_and_shows_acme_findings(compared, acme_titles) -> None:
    markdown = "\n".join(o.data["text/markdown"] for o in outputs(compared, "text/markdown"))
    for title in acme_titles:
        assert f"### {title}" in markdown  # one section per finding
        assert title.replace("|", "\\|") in markdown  # and a row in the summary
    assert "api_keys: members   # was: workspaces" in markdown  # the manifest update
    assert "organisations (root)" in markdown  # the revised understanding
    assert "agencies" not in markdown and "tenants" not in markdown and "revos" not in markdown.lower()
    [picture] = outputs(compared, "image/png")
    assert picture.metadata["image/png"]["alt"].startswith(
        "Assumed vs actual hierarchy: 2 of 5 tables the plan names differ "
        "(1 different parent, 1 different scope)")
    tags = [c.metadata.get("tags", []) for c in compared.cells]
    assert tags.index(["injected-parameters"]) == tags.index(["parameters"]) + 1


def test_meeting_html_has_the_findings_and_the_picture_but_no_code(compared, acme_titles) -> None:
    page, _ = HTMLExporter(exclude_input=True).from_notebook_node(compared)
    seen = visible_text(page)
    for title in acme_titles:
        assert " ".join(title.replace("`", "").split()) in seen, title
    assert "-- ACTUAL (V2__projects_and_tasks.sql:" in seen  # evidence with file:line
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', page)) == 1
    assert "analyse(" not in page and "import schemalens" not in page
    # The parameters were absolute paths: the manifest's path as given heads its table, nothing else.
    assert set(re.findall(re.escape(str(ROOT)) + r"\S*", seen)) == {str(ACME / "manifest.yaml")}
