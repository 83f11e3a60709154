"""The import contracts of pyproject.toml ([tool.importlinter]): the stages import one way only.

The rule (docs/architecture.md, "Layout"): a stage imports only the stages before it (core < read <
assess < decide < db < present < cli), no two modules of one package import each other even through
others, and nothing imports the package root. import-linter checks it on the library as it is, and,
to show the check can fail, on a copy with one import planted that breaks each contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(repo: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports on ``repo``'s pyproject.toml and its lib/schemalens (first on the path)."""
    env = dict(os.environ, PYTHONPATH=str(repo / "lib"))
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(repo / "pyproject.toml")],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_library_keeps_every_import_contract() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


def test_no_contract_ignores_an_import() -> None:
    assert "ignore_imports" not in (ROOT / "pyproject.toml").read_text()


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The repository's pyproject.toml and library, copied to plant imports in."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "lib" / "schemalens", tmp_path / "lib" / "schemalens",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _plant(copy: Path, module: str, line: str) -> None:
    path = copy / "lib" / Path(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text() + f"\n\ndef _planted():\n    {line}\n")


@pytest.mark.parametrize(("plants", "broken", "named"), [
    # an import inside a function counts: the model must not render itself with present
    ([("schemalens.core.model", "from schemalens.present import report")],
     "a stage imports only the stages before it", "schemalens.core.model -> schemalens.present.report"),
    # two modules of one stage that import each other
    ([("schemalens.read.graph", "from schemalens.read import manifest"),
      ("schemalens.read.manifest", "from schemalens.read import graph")],
     "no import cycle between the modules", "No cycles are allowed in schemalens.read."),
    ([("schemalens.db.drift", "from schemalens import load_schema")],
     "the package root only re-exports", "schemalens.db.drift -> schemalens"),
])
def test_a_planted_import_breaks_its_contract(copy, plants, broken, named) -> None:
    assert _lint(copy).returncode == 0  # the copy as it is keeps them
    for module, line in plants:
        _plant(copy, module, line + "  # noqa: F401")
    done = _lint(copy)
    assert done.returncode == 1, done.stdout + done.stderr
    report = done.stdout.split("Broken contracts", 1)[1]
    assert broken in report and named in report, report
