"""Every option of the samples and of the real Supabase apps through the tenant and concurrency checks.

    .venv/bin/python benchmarks/bench_tenants.py                  # both samples and the four apps
    .venv/bin/python benchmarks/bench_tenants.py revos basejump   # some of them

For each project, every option of every decision is rehearsed (``schemalens.db.rehearse``: generated rows
where the project ships no seed) and one Markdown row per option is printed: the verdict; what the
signed-in users can read, update, delete, move and insert before → after, and what widened (declared or
not); the rows generated in the tables the option creates and the crossings found there
(``schemalens.db.newrows``); an invited user's sign-up (``schemalens.db.signup``, for options that add a
trigger to ``auth.users``); the second session's writes (done / blocked, and any lost, stale or
resurrected row); and the lock claims of the option's risks the rehearsal did not observe
(``schemalens.decide.claims``); and the statements of the option's impact, summary and risks checked against
the catalog and rows the rehearsal observed, with the false ones (``schemalens.decide.stated``). The apps are
read from the real-world checkouts (``/work/realworld/<name>``, or ``--realworld``); nothing of them is copied
here.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))

from schemalens.assess.compare import analyse
from schemalens.db.rehearse import rehearse
from schemalens.db.tenancy import ACTIONS
from schemalens.decide.claims import wrong_claims
from schemalens.decide.options import decide
from schemalens.decide.stated import statements

SAMPLES = ("revos", "acme")
APPS = ("basejump", "chatbot-ui", "nextjs-subscription-payments", "chatgpt-your-files")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def project(name: str, realworld: Path) -> tuple[str, str]:
    if name in SAMPLES:
        return str(ROOT / "data" / name / "migrations"), str(ROOT / "data" / name / "manifest.yaml")
    return (str(realworld / name / "supabase" / "migrations"),
            str(ROOT / "benchmarks" / "rehearsals" / name / "manifest.yaml"))


def report(name: str, realworld: Path) -> str:
    migrations, manifest = project(name, realworld)
    t0 = time.perf_counter()
    rs = rehearse(decide(analyse(migrations, manifest)), migrations)
    out = [f"### {name}", "",
           f"{len(rs)} options: " + ", ".join(f"{n} {v}" for v, n in rs.counts().items())
           + f" ({time.perf_counter() - t0:.0f} s).", ""]
    if rs.generated is not None:
        out += [f"Rows: {_cell(rs.generated.describe())}", ""]
    out += [("| option | verdict | signed-in users (before → after) | new tables, a row per user | invited sign-up | "
             "concurrent writes | lock claims not observed | statements checked / false |"),
            "|---|---|---|---|---|---|---|---|"]
    for r in rs:
        t = r.tenants
        users = "not run" if t is None else ", ".join(f"{a} {t.before.count(a)}→{t.after.count(a)}" for a in ACTIONS)
        if t is not None and t.widenings:
            users += "; widened: " + "; ".join(("" if w.declared else "NOT DECLARED ") + f"{w.action} "
                                               f"{len(w.pairs)}" for w in t.widenings)
        fresh = "" if r.fresh is None else (f"{r.fresh.rows} rows" + (f", {len(r.fresh.refused)} refused"
                                                                     if r.fresh.refused else "")
                                            + ("; " + "; ".join(("" if c.declared else "NOT DECLARED ")
                                                                + c.describe() for c in r.fresh.crossings)
                                               if r.fresh.crossings else "; no crossing"))
        c = r.concurrency
        writes = "" if c is None else (f"{sum(w.outcome == 'done' for w in c.writes)} done, {len(c.blocked())} "
                                       f"blocked" + (f"; {len(c.lost)} did not hold" if c.lost else ""))
        out.append(f"| {r.option.decision}/{r.option.key} | {r.verdict} | {_cell(users)} | {_cell(fresh)} | "
                   f"{_cell(r.signup.summary()) if r.signup else ''} | {writes} | "
                   f"{_cell('; '.join(wrong_claims(r)))} | "
                   + (f"{len(statements(r.option))} / {len(r.false_statements)}"
                      + (": " + _cell("; ".join(r.false_statements)) if r.false_statements else "")
                      if all(s.ok for s in r.scripts[:-1]) else "not checked (forward did not run)") + " |")
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("projects", nargs="*", default=[*SAMPLES, *APPS])
    ap.add_argument("--realworld", type=Path, default=Path("/work/realworld"))
    args = ap.parse_args()
    for name in args.projects:
        print(report(name, args.realworld))


if __name__ == "__main__":
    main()
