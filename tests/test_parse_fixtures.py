"""Parse and replay cases as data: each ``tests/fixtures/parse/<case>.sql`` beside its expected ``<case>.json``.

Set ``SCHEMALENS_REGENERATE=1`` to rewrite the expected files after a deliberate change, then
read the diff before committing it.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from fixture_view import fixture_view
from schemalens import load_schema

CASES = sorted((Path(__file__).parent / "fixtures" / "parse").glob("*.sql"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_parse_case(case: Path, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(case, folder / f"001_{case.name}")
    actual = fixture_view(load_schema(folder))
    expected_file = case.with_suffix(".json")
    if os.environ.get("SCHEMALENS_REGENERATE"):
        expected_file.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n")
    if not expected_file.exists():
        pytest.fail(f"{expected_file.name} is missing: write it with SCHEMALENS_REGENERATE=1, then read it")
    assert actual == json.loads(expected_file.read_text())


def test_every_case_has_expectations() -> None:
    missing = [c.name for c in CASES if not c.with_suffix(".json").exists()]
    assert CASES and not missing, f"parse fixtures without expected JSON: {missing}"
