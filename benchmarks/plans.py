"""Plans written for public projects, each compared with its expected findings.

    .venv/bin/python benchmarks/plans.py /work/realworld            # every plan under benchmarks/plans/
    .venv/bin/python benchmarks/plans.py /work/realworld basejump   # one

The first argument is a folder holding one checkout per project, named as the plan's folder
(``<dir>/basejump/supabase/migrations``, the layout of ``git clone`` at the commit each
``expected.yaml`` names). Each plan (``benchmarks/plans/<name>/``: ``manifest.yaml``, one planned
document, ``expected.yaml``) runs through :func:`schemalens.assess.compare.analyse`; the findings, as
``(code, severity, subject)``, must be exactly those ``expected.yaml`` lists. Exit 0 when every plan
matches, 1 when one does not (the differences are printed), 2 when a project's folder is missing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from schemalens.assess.compare import analyse

PLANS = Path(__file__).parent / "plans"


def expected(plan: Path) -> dict:
    return yaml.safe_load((plan / "expected.yaml").read_text(encoding="utf-8"))


def run(plan: Path, projects: Path) -> tuple[list[str], float, Counter]:
    """The differences between a plan's findings and its ``expected.yaml`` (empty: it matches)."""
    want = expected(plan)
    folder = projects / plan.name / want["path"]
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder ({want['repository']} at {want['commit'][:12]})")
    start = time.perf_counter()
    found = analyse(folder, plan / "manifest.yaml")
    seconds = time.perf_counter() - start
    got = Counter((f.code, f.severity, f.subject) for f in found)
    exp = Counter((f["code"], f["severity"], f["subject"]) for f in want["findings"])
    diff = [f"unexpected: {c} {s} {subj}" for (c, s, subj) in sorted((got - exp).elements())]
    diff += [f"missing:    {c} {s} {subj}" for (c, s, subj) in sorted((exp - got).elements())]
    return diff, seconds, Counter(f.code for f in found)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("projects", help="folder with one checkout per project (e.g. /work/realworld)")
    ap.add_argument("names", nargs="*", help="plans to run (default: all)")
    args = ap.parse_args(argv)
    plans = [p for p in sorted(PLANS.iterdir()) if (p / "expected.yaml").is_file()]
    if args.names:
        plans = [p for p in plans if p.name in args.names]
    failed = 0
    for plan in plans:
        try:
            diff, seconds, codes = run(plan, Path(args.projects))
        except FileNotFoundError as e:
            print(f"{plan.name}: {e}", file=sys.stderr)
            return 2
        status = "ok" if not diff else "DIFFERS"
        counts = ", ".join(f"{n} {c}" for c, n in sorted(codes.items()))
        print(f"{plan.name}: {status} ({sum(codes.values())} findings: {counts}; {seconds:.1f} s)")
        for line in diff:
            print(f"  {line}")
        failed += bool(diff)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
