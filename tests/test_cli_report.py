"""The ``report`` command through ``schemalens.cli.main``: formats, output and exit codes 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemalens.cli import main

ROOT = Path(__file__).parents[1]
REVOS = [str(ROOT / "data/revos/migrations"), "--manifest", str(ROOT / "data/revos/manifest.yaml")]
FIXTURES = Path(__file__).parent / "fixtures" / "findings"


def test_revos_fails_on_critical_by_default(capsys):
    assert main(["report", *REVOS, "--date", "2026-01-03"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("# Runtime Verification Findings") and "## Finding 5:" in out


@pytest.mark.parametrize("fail_on, code", [("never", 0), ("warning", 1), ("critical", 1)])
def test_fail_on(fail_on, code, capsys):
    assert main(["report", *REVOS, "--format", "json", "--fail-on", fail_on]) == code


def test_warnings_only_pass_unless_fail_on_warning(capsys):
    case = FIXTURES / "scope_mismatch_positive"
    args = [
        "report",
        str(FIXTURES / "_base/migrations"),
        "--manifest",
        str(case / "manifest.yaml"),
        "--format",
        "json",
    ]
    assert main(args) == 0
    assert main(args + ["--fail-on", "warning"]) == 1
    clean = [
        "report",
        str(FIXTURES / "_base/migrations"),
        "--manifest",
        str(FIXTURES / "clean/manifest.yaml"),
    ]
    assert main(clean + ["--fail-on", "warning"]) == 0
    assert "ASSUMPTIONS HOLD" in capsys.readouterr().out


def test_output_file_and_formats(tmp_path: Path, capsys):
    out = tmp_path / "r" / "findings.json"
    assert main(["report", *REVOS, "--format", "json", "--output", str(out)]) == 1
    assert capsys.readouterr().out == ""
    assert json.loads(out.read_text())["summary"]["critical"] >= 1
    sarif = tmp_path / "f.sarif"
    assert main(["report", *REVOS, "--format", "sarif", "-o", str(sarif), "--base", str(ROOT)]) == 1
    uri = json.loads(sarif.read_text())["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert uri["artifactLocation"]["uri"] == "data/revos/migrations/001_initial_schema.sql"


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["report", str(ROOT / "data/revos/migrations"), "--manifest", "missing.yaml"],
            "manifest file does not exist",
        ),
        (
            ["report", "no/such/folder", "--manifest", str(ROOT / "data/revos/manifest.yaml")],
            "does not exist",
        ),
        (
            [
                "report",
                str(FIXTURES / "_base/migrations"),
                "--manifest",
                str(FIXTURES / "manifests/unknown_key.yaml"),
            ],
            "unknown_key.yaml:3: unknown key 'tennant_root'",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        ["report", str(ROOT / "data/revos/migrations")],
        ["report", *REVOS, "--format", "html"],
        ["report", *REVOS, "--fail-on", "info"],
        ["nonsense"],
    ],
)
def test_usage_errors_exit_2(args, capsys):
    assert main(args) == 2


def test_help_has_an_example(capsys):
    assert main(["report", "--help"]) == 0
    assert "example: schemalens report" in capsys.readouterr().out


def test_graph_still_works(capsys):
    assert main(["graph", str(ROOT / "data/acme/migrations"), "--format", "mermaid"]) == 0
    assert capsys.readouterr().out.startswith("flowchart BT")
