"""3.0-decisions runs on another project through papermill and exports to meeting HTML and reveal.js slides.

nbval (pytest's notebooks/ collection) checks the committed outputs on the RevOS sample; this runs 3.0
the way `make notebook-reports` does (only `migrations` and `manifest` given), on data/acme, whose names
share nothing with RevOS and which has no seed file: its six decisions get their sections, the kind
it does not open (the root entity) says so, every option is rehearsed (on generated rows: the FK option is refused by its orphan check, the others proven), and
the exports (schemalens.present.notebook_reports, as `make report` writes them) carry the decisions, the SQL highlighted, and the
impact pictures with their alt text, but no code.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import nbformat
import papermill
import pytest

from schemalens.present import notebook_reports

ROOT = Path(__file__).parents[1]
NOTEBOOK = ROOT / "notebooks" / "3.0-decisions.ipynb"
ACME = ROOT / "data" / "acme"
DECISIONS = ("foreign-key-tasks-assignee_id", "proposed-hierarchy", "scope-of-api_keys", "enable-rls",
             "document-table-teams", "document-column-workspaces-owner_id")


@pytest.fixture(scope="module")
def decided(tmp_path_factory) -> nbformat.NotebookNode:
    out = tmp_path_factory.mktemp("reports") / NOTEBOOK.name
    papermill.execute_notebook(NOTEBOOK, out, kernel_name="python3", cwd=str(out.parent), progress_bar=False,
                               parameters={"migrations": str(ACME / "migrations"),
                                           "manifest": str(ACME / "manifest.yaml")})
    return nbformat.read(out, as_version=4)


def markdown(nb: nbformat.NotebookNode) -> list[str]:
    return [str(o.data["text/markdown"]) for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if "text/markdown" in o.get("data", {})]


def images(nb: nbformat.NotebookNode) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]


def test_acme_gets_a_section_per_decision_and_every_option_rehearsed(decided) -> None:
    agenda, *rest = markdown(decided)
    assert "| 1 | The root entity: a table the plan names is another table | none in this comparison |  |" in agenda
    assert "12 options rehearsed on" in agenda
    assert "with 47 generated rows in 10 tables (3 edge rows): 11 ✅ proven, 1 ⛔ refused" in agenda
    text = "\n".join(rest)
    for decision in DECISIONS:
        assert f"(`{decision}`)" in text and f"### `{decision}`: rehearsed" in text, decision
    assert "This comparison opens no decision of this kind" in text and "No table to draw" in text
    assert "ALTER TABLE public.tasks ADD CONSTRAINT" in text and "```sql" in text
    assert "(V2__projects_and_tasks.sql:19)" in text  # the findings that open a decision, with file:line
    assert "revos" not in text.lower() and "agencies" not in text and "cartridge" not in text
    summary = next(str(o.data["text/plain"]) for c in decided.cells if c.source == "meeting.summary()"
                   for o in c.outputs)
    assert summary.count("✅ proven") == 11 and summary.count("⛔ refused") == 1  # the orphan assignee
    alts = [o.metadata["image/png"]["alt"] for o in images(decided)]
    assert [a.split(":")[0] for a in alts] == [
        "Impact of a change to tasks", "Impact of a change to organisations, workspaces", "Impact of a change to api_keys",
        "Impact of a change to audit_log", "Impact of a change to organisations, workspaces",
        "Assumed vs actual hierarchy"]
    # after the recommended options (section 12): every manifest line and every planned-document name holds
    # (`teams` and `workspaces.owner_id` are built by the options of their own decisions)
    assert alts[-1].startswith("Assumed vs actual hierarchy: 0 of ")
    after = next(m for m in rest if m.startswith("## After these choices"))
    assert "| verified assumptions | 12 | 19 |" in after and "| contradicted assumptions | 7 | 0 |" in after
    assert "| critical findings | 3 | 0 |" in after and "Still contradicted:\n\nNothing." in after
    tags = [c.metadata.get("tags", []) for c in decided.cells]
    assert tags.index(["injected-parameters"]) == tags.index(["parameters"]) + 1


def visible_outside_repo(page: str) -> str:
    # the repository itself may live under the temporary folder (a CI clone): only other temporary paths count
    return page.replace(str(ROOT), "<repository>")


def test_meeting_html_and_slides_have_the_decisions_pictures_and_sql_but_no_code(decided) -> None:
    html = notebook_reports.html(decided, code=False)  # what `make report` writes (schemalens notebooks)
    slides = notebook_reports.slides(decided)
    for page in (html, slides):
        for decision in DECISIONS:
            assert decision in page, decision
        alts = re.findall(r'<img alt="(Impact of a change to [^"]+)"[^>]* src="data:image/png;base64,', page)
        assert len(alts) == 5
        assert '<span class="k">ALTER</span>' in page  # the options' SQL, highlighted
        assert "Meeting.prepare" not in page and "import pandas" not in page
        assert tempfile.gettempdir() + "/" not in visible_outside_repo(page) and "schemalens-pg-" not in page
    assert "slide.scrollHeight > limit" in slides  # long sections scroll
    assert '<script src="reveal.js/js/reveal.js">' in slides  # by default the copy beside the slides, or:
    other = notebook_reports.slides(decided, reveal="../reveal-3.9")
    assert '<script src="../reveal-3.9/js/reveal.js">' in other and "unpkg.com" not in other + slides
    for cdn in ("require.js", "jquery", "mathjax", "mermaid"):  # nothing from a CDN (tests/test_browser.py)
        assert f"/{cdn}" not in html.lower() and f"/{cdn}" not in slides.lower(), cdn
    # one slide per section (the title, agenda, options, each kind, not covered, rewrite, to decide, after), and
    # for each kind three vertical sub-slides: impact, SQL, rehearsal
    sections = [c for c in decided.cells if c.metadata.get("slideshow", {}).get("slide_type") == "slide"]
    subslides = [c for c in decided.cells if c.metadata.get("slideshow", {}).get("slide_type") == "subslide"]
    assert len(sections) == 13 and len(subslides) == 18
    assert slides.count("<section") >= len(sections) + len(subslides)
