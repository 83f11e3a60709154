"""The rules (schemalens.assess.rules): one module per finding code, each reading a context built once before
them (schemalens.assess.compare.context), so no rule depends on state another rule writes."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from schemalens.assess.compare import CODES, analyse, context
from schemalens.assess.findings import Sources
from schemalens.assess.rules import RULES

ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize("code", CODES)
def test_one_module_per_code_and_its_rules_make_only_that_code(code):
    module = importlib.import_module(f"schemalens.assess.rules.{code.replace('-', '_')}")
    mine = [r for r in RULES if r.__module__ == module.__name__]
    assert mine, f"no rule of RULES lives in {module.__name__}"
    assert all(r.__doc__ and ">>>" in r.__doc__ for r in mine), "each rule shows an example"


@pytest.mark.parametrize("sample", ["revos", "acme"])
def test_rules_in_any_order_find_the_same(sample):
    folder = ROOT / "data" / sample
    found = analyse(folder / "migrations", folder / "manifest.yaml")
    ctx = context(found.schema, found.manifest, sources=Sources(folder / "migrations"), documents=found.documents)
    assert (ctx.root, ctx.mapping) == (found.root, found.mapping)
    assert ctx.root is not None and (sample == "acme" or ctx.mapping)  # revos: a missing root, its counterpart
    backwards = [f for rule in reversed(RULES) for f in rule(ctx)]
    assert sorted(backwards, key=repr) == sorted(found.findings, key=repr)
