"""Notebooks run on another project through papermill, and export to HTML a meeting can read.

nbval (pytest's notebooks/ collection) checks the committed outputs on the RevOS sample; this runs
1.0 the way `make notebook-reports` does, on data/acme, whose names share nothing with RevOS.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import papermill
import pytest
from nbconvert import HTMLExporter

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ACME = ROOT / "data" / "acme"


@pytest.fixture(scope="module")
def explored(tmp_path_factory) -> nbformat.NotebookNode:
    out = tmp_path_factory.mktemp("reports") / "1.0-explore-schema.ipynb"
    papermill.execute_notebook(ROOT / "notebooks" / "1.0-explore-schema.ipynb", out, kernel_name="python3",
                               parameters={"migrations": str(ACME / "migrations"),
                                           "manifest": str(ACME / "manifest.yaml"), "focus": "members"},
                               cwd=str(out.parent), progress_bar=False)
    return nbformat.read(out, as_version=4)


def text_of(nb: nbformat.NotebookNode) -> str:
    return "\n".join(str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_acme_runs_and_shows_acme(explored) -> None:
    text = text_of(explored)
    assert "['auth.users', 'public.organisations']" in text  # the roots
    assert "['public.members', 'public.workspaces', 'public.organisations']" in text  # a path of the focus
    [not_on] = [str(o.data["text/plain"]) for c in explored.cells if c.source == 'rls[rls["status"] != "on"]'
                for o in c.outputs]
    assert "public.audit_log" in not_on and "off" in not_on
    assert re.findall(r"public\.\w+", not_on) == ["public.audit_log"]  # every other table has RLS and policies
    assert "SELECT, INSERT, UPDATE, DELETE" in not_on  # and the API roles can reach it
    assert "agencies" not in text and "revos" not in text.lower()
    images = [o for c in explored.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert [o.metadata["image/png"]["alt"].split(":")[0] for o in images] == [
        "Foreign-key hierarchy", "Neighbourhood of members (4 of 9 tables)"]  # what each picture shows
    tags = [c.metadata.get("tags", []) for c in explored.cells]
    assert tags.index(["injected-parameters"]) == tags.index(["parameters"]) + 1


def test_meeting_html_has_tables_and_pictures_but_no_code_or_paths(explored) -> None:
    html, _ = HTMLExporter(exclude_input=True).from_notebook_node(explored)
    for table in ("public.organisations", "public.workspaces", "public.members", "public.task_labels",
                  "public.audit_log", "V1__init.sql:22"):
        assert table in html
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) == 2
    assert "import schemalens" not in html and "load_schema" not in html
    assert str(ROOT) not in html  # the parameters were absolute paths: only the hidden code holds them
    full, _ = HTMLExporter().from_notebook_node(explored)
    assert "load_schema" in full


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_thin_parameterised_and_committed_executed(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert [c for c in code if "parameters" in c["metadata"].get("tags", [])], "a cell tagged parameters"
    for c in code:
        source = "".join(c["source"])
        assert not re.search(r"^\s*(def|class)\s|pip install", source, re.MULTILINE), source
        assert c["execution_count"] is not None, "committed executed (nbval skips cells never run)"
        assert "execution" not in c["metadata"], "no timing metadata (make notebooks records none)"
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "executed top to bottom in one run"
    assert str(ROOT) not in path.read_text(encoding="utf-8")


def test_the_notebooks_command_writes_reports_and_names_a_failing_cell(tmp_path: Path, capsys) -> None:
    from schemalens import cli

    notebook = ROOT / "notebooks" / "1.0-explore-schema.ipynb"
    args = ["notebooks", str(ACME / "migrations"), str(notebook), "--manifest", str(ACME / "manifest.yaml")]
    assert cli.main([*args, "--output", str(tmp_path / "ok"), "-p", "focus=tasks"]) == 0
    assert sorted(p.name for p in (tmp_path / "ok").iterdir()) == [
        "1.0-explore-schema.html", "1.0-explore-schema.ipynb", "1.0-explore-schema.meeting.html"]
    meeting = (tmp_path / "ok" / "1.0-explore-schema.meeting.html").read_text()
    assert "public.task_labels" in meeting and "load_schema" not in meeting
    # the figures as inline SVG (sharp at any zoom, text searchable), each with its alt text
    assert re.search(r'<svg [^>]*aria-label="Neighbourhood of tasks[^"]*"[^>]*role="img"', meeting)
    assert "<img alt=" not in meeting and re.search(r"<text [^>]*>task_labels</text>", meeting)
    capsys.readouterr()
    missing = tmp_path / "nowhere"
    bad = ["notebooks", str(missing), str(notebook), "--manifest", str(ACME / "manifest.yaml")]
    assert cli.main([*bad, "--output", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err
    assert f"schemalens: error: {notebook}: cell " in err and "failed: " in err and str(missing) in err
    assert (tmp_path / "bad" / "1.0-explore-schema.ipynb").exists()  # kept, with the error, for reading


def test_a_notebook_runs_its_kernel_over_local_sockets_without_the_tcp_warning(tmp_path: Path, capfd) -> None:
    """`make report` printed ipykernel's "Kernel is running over TCP without encryption" once per notebook:
    the kernel listened on localhost ports. It runs on ZeroMQ ipc sockets now (POSIX)."""
    from schemalens.present import notebook_reports

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("parameters = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("import sys\nprint(open(sys.argv[sys.argv.index('-f') + 1]).read())")]
    source = tmp_path / "n.ipynb"
    nbformat.write(nb, source)
    out = notebook_reports.run(source, tmp_path / "out.ipynb", {}, cwd=tmp_path)
    connection = json.loads(out.cells[-1].outputs[0]["text"])  # the kernel's connection file, read by itself
    assert "without encryption" not in capfd.readouterr().err
    assert connection["transport"] == "ipc"
