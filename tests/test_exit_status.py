"""Exit status (issue 11, section 5) and notebook parameters (section 4): a crash is not a finding.

An internal error (any exception that is not a :class:`~schemalens.core.errors.SchemalensError`) prints one
line and exits 4; ``--debug`` adds the traceback. Bad input stays 2, findings 1. Through the real CLI:
``main()`` in this process, and the ``schemalens`` console script in a child process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from schemalens import cli
from schemalens.assess import compare
from schemalens.cli import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_USAGE, main
from schemalens.core.errors import InputError
from schemalens.present.notebook_reports import check_parameters

ROOT = Path(__file__).parents[1]
REVOS = [str(ROOT / "data" / "revos" / "migrations"), "--manifest", str(ROOT / "data" / "revos" / "manifest.yaml")]
NOTEBOOKS = ROOT / "notebooks"


def crash(*args, **kwargs):
    raise KeyError("postgresql://app:Pw-9x@db.example.com/main")


def test_an_internal_error_is_one_line_and_exit_3(monkeypatch, capsys) -> None:
    monkeypatch.setattr(compare, "analyse", crash)
    assert main(["report", *REVOS]) == EXIT_INTERNAL == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("schemalens: internal error: KeyError: ")
    assert "in crash via cli.py:" in err and "in cmd_report" in err  # where it was raised, and our frame
    assert "--debug" in err and "report it" in err
    assert "Pw-9x" not in err and "app:***@db.example.com" in err


@pytest.mark.parametrize("where", [["--debug", "report", *REVOS], ["report", *REVOS, "--debug"]])
def test_debug_adds_the_traceback(monkeypatch, capsys, where) -> None:
    monkeypatch.setattr(compare, "analyse", crash)
    assert main(where) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.rstrip().splitlines()[-1].startswith(
        "schemalens: internal error: KeyError")


def test_bad_input_stays_2_and_findings_1(tmp_path, capsys) -> None:
    assert main(["report", *REVOS]) == EXIT_FINDINGS
    assert main(["report", str(tmp_path / "nothing"), "--manifest", REVOS[2]]) == EXIT_USAGE
    assert "internal error" not in capsys.readouterr().err


def test_the_console_script_exits_3_on_a_crash(tmp_path) -> None:
    """A real process: the installed ``schemalens`` entry point's module with ``analyse`` broken."""
    code = ("import sys; from schemalens import cli; from schemalens.assess import compare\n"
            "def boom(*a, **k): raise ZeroDivisionError('division by zero')\n"
            "compare.analyse = boom\nsys.exit(cli.main(sys.argv[1:]))\n")
    run = subprocess.run([sys.executable, "-c", code, "report", *REVOS], capture_output=True, text=True, timeout=120,
                         check=False)
    assert run.returncode == EXIT_INTERNAL, run.stderr
    assert run.stderr.count("\n") == 1 and "ZeroDivisionError: division by zero at <string>:2 in boom via cli.py:" in run.stderr


def test_every_help_names_the_exit_statuses(capsys) -> None:
    for command in ([], *([c] for c in cli.build_parser()._subparsers._group_actions[0].choices)):
        assert main([*command, "--help"]) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert "4 internal error" in out and "--debug" in out, command


# notebooks -p NAME=VALUE ------------------------------------------------------------------------------------


def test_a_parameter_name_that_is_code_is_refused(tmp_path, capsys) -> None:
    marker = tmp_path / "pwned"
    name = f"__import__('os').system('touch {marker}')#"
    code = main(["notebooks", REVOS[0], str(NOTEBOOKS / "1.0-explore-schema.ipynb"), *REVOS[1:], "-p", f"{name}=1",
                 "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "not a parameter of these notebooks" in err and "focus" in err
    assert not marker.exists() and not (tmp_path / "out").exists()


def test_parameters_are_those_a_parameters_cell_defines() -> None:
    check_parameters([NOTEBOOKS / "3.0-decisions.ipynb"], ["seed", "database_url"])
    check_parameters([NOTEBOOKS / "1.0-explore-schema.ipynb", NOTEBOOKS / "3.0-decisions.ipynb"], ["seed", "focus"])
    for bad in ("seed", "os", "focus=1", "__builtins__"):
        with pytest.raises(InputError, match="not a parameter"):
            check_parameters([NOTEBOOKS / "1.0-explore-schema.ipynb"], [bad])
