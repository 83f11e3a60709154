"""The exports in a real headless Chromium with the network off: what a meeting room without internet sees.

3.0-decisions runs on data/acme the way `make report` runs it (schemalens.present.notebook_reports.write_reports),
and the slides and the meeting HTML are opened in the system Chromium (schemalens.present.browser): reveal.js
starts and the keyboard moves between slides, each decision has its own slide, every picture loads and
has alt text, nothing fails to load and nothing logs an error, and the meeting page has no code.

Without Chromium these tests FAIL (they never skip): the failure says how to install it
(`apt-get install -y chromium`; .ci/run installs it before `make test`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemalens.present import browser, notebook_reports

ROOT = Path(__file__).parents[1]
ACME = ROOT / "data" / "acme"
DECISIONS = ("foreign-key-tasks-assignee_id", "proposed-hierarchy", "scope-of-api_keys", "enable-rls",
             "document-table-teams", "document-column-workspaces-owner_id")
PICTURES = """Array.from(document.images).map(i => ({alt: i.alt, width: i.naturalWidth, done: i.complete}))
  .concat(Array.from(document.querySelectorAll('svg[role=img]:not(.mark)')).map(s => ({
    alt: s.getAttribute("aria-label"), width: s.width.baseVal.value, done: true})))"""


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = browser.executable()
    if exe is None:
        pytest.fail(f"Chromium is not installed, so the exports cannot be checked in a browser: {browser.INSTALL} "
                    "(see the README)", pytrace=False)
    return exe


@pytest.fixture(scope="module")
def exports(tmp_path_factory, chromium) -> Path:
    out = tmp_path_factory.mktemp("exports")
    notebook_reports.write_reports([ROOT / "notebooks" / "3.0-decisions.ipynb"], out,
                                   {"migrations": str(ACME / "migrations"), "manifest": str(ACME / "manifest.yaml")},
                                   cwd=out)
    return out


def test_a_page_that_needs_the_internet_fails_to_load_it(tmp_path, chromium) -> None:
    page = tmp_path / "cdn.html"
    page.write_text('<html><head><script src="https://unpkg.com/reveal.js@4.0.2/dist/reveal.js"></script></head>'
                    '<body><p>x</p><script>console.error("boom")</script></body></html>')
    with browser.Chromium() as b:
        b.open(page, settle=0.3)
        assert b.evaluate("document.querySelector('p').textContent") == "x"
    assert any(e.startswith("network:") for e in b.errors), b.errors
    assert any("boom" in e for e in b.errors), b.errors


def test_the_exports_load_nothing_from_the_internet(exports) -> None:
    for page in ("3.0-decisions.slides.html", "3.0-decisions.meeting.html", "3.0-decisions.html"):
        text = (exports / page).read_text()
        loaded = re.findall(r'<(?:script|link|img)[^>]*(?:src|href)="(https?:[^"]*)"', text)
        assert loaded == [], (page, loaded)
    assert (exports / "reveal.js" / "js" / "reveal.js").stat().st_size > 100_000


def test_slides_start_offline_and_the_keyboard_moves(exports) -> None:
    with browser.Chromium() as b:
        b.open(exports / "3.0-decisions.slides.html")
        assert b.evaluate(browser.REVEAL_STATE) == {"h": 0, "v": 0, "f": None} or \
            b.evaluate("Reveal.getIndices().h") == 0
        assert "3.0 Decisions" in b.evaluate("Reveal.getCurrentSlide().innerText")
        # readable in the room: the slide fills the screen (not scaled down to a strip) and the heading is large
        assert b.evaluate("Reveal.getScale()") > 0.8
        assert b.evaluate("document.querySelector('.present h1').getBoundingClientRect().height") > 30
        b.press("ArrowRight")
        assert b.evaluate("Reveal.getIndices().h") == 1
        index = b.evaluate(browser.DECISION_SLIDE)
        assert index > 1
        b.evaluate(f"Reveal.slide({index}, 0)")
        b.press("ArrowDown")  # the decision's sub-slides: impact, SQL, rehearsal
        assert b.evaluate("Reveal.getIndices()")["v"] == 1
        assert "Impact" in b.evaluate("Reveal.getCurrentSlide().innerText")
        b.press("ArrowLeft")
        assert b.evaluate("Reveal.getIndices().h") == index - 1
        pictures = b.evaluate(PICTURES)
        texts = b.evaluate("document.body.innerText")
    assert b.errors == []
    assert len(pictures) == 6 and all(p["done"] and p["width"] > 0 and p["alt"] for p in pictures), pictures  # 5 impacts, after
    assert not re.search("[\u2705\u274c\u26d4\u26a0\u2139]", texts)  # status marks need no emoji font


def test_one_decision_per_slide_with_its_question_options_and_recommendation(exports) -> None:
    with browser.Chromium() as b:
        b.open(exports / "3.0-decisions.slides.html")
        slides = b.evaluate("""Array.from(document.querySelectorAll('.slides > section')).map((s, i) => {
            const first = s.querySelector('section') || s;
            Reveal.slide(i, 0);  // shown, so its height is measured
            return {decisions: Array.from(first.querySelectorAll('[data-decision]')).map(d => d.dataset.decision),
                    tables: first.querySelectorAll('table').length, text: first.innerText,
                    fits: first.scrollHeight <= Reveal.getConfig().height}; })""")
    with_decisions = [s for s in slides if s["decisions"]]
    assert [d for s in with_decisions for d in s["decisions"]] == list(DECISIONS)
    for s in with_decisions:
        assert len(s["decisions"]) == 1 and s["tables"] >= 1 and "Recommended:" in s["text"], s
        assert s["fits"], s["decisions"]  # the first slide of a decision needs no scrolling
    assert b.errors == []


def test_meeting_html_has_no_code_prompts_or_how_to_and_every_picture_loads(exports) -> None:
    with browser.Chromium() as b:
        b.open(exports / "3.0-decisions.meeting.html")
        code = b.evaluate("document.querySelectorAll('.jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor, .jp-InputPrompt, .jp-OutputPrompt').length")
        text = b.evaluate("document.body.innerText")
        pictures = b.evaluate(PICTURES)
        marks = b.evaluate("document.querySelectorAll('svg.mark[aria-label]').length")
    assert b.errors == []
    assert code == 0 and "Out[" not in text and "papermill" not in text and "import pandas" not in text
    assert all(d in text for d in DECISIONS)
    assert len(pictures) == 6 and all(p["done"] and p["width"] > 0 and p["alt"] for p in pictures), pictures  # 5 impacts, after
    assert marks >= 8 and not re.search("[\u2705\u274c\u26d4\u26a0\u2139]", text)
    engineers = (exports / "3.0-decisions.html").read_text()
    assert "papermill" in engineers and "jp-CodeMirrorEditor" in engineers  # the engineers' page keeps both


def test_screenshots_of_the_first_and_a_decision_slide(exports, tmp_path) -> None:
    first, decision = browser.slide_screenshots(exports / "3.0-decisions.slides.html", tmp_path)
    from matplotlib.image import imread

    a, b = imread(first), imread(decision)
    assert a.shape[:2] == b.shape[:2] == (800, 1280)
    assert (a != b).any() and a.std() > 0.01 and b.std() > 0.01  # two different slides, not blank pages
