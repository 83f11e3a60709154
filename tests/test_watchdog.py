"""The embedded server's watchdog (issue 11, section 4): a parent SIGKILLed at any moment of the start
(before initdb, during it, while the postmaster starts, after) leaves no temporary folder and no process.
A real child process starts a real embedded PostgreSQL and is killed. The race that left an empty
``data/`` (initdb, orphaned, still creating it after the watchdog removed the folder) depends on timing,
so it is also reproduced deterministically: a process naming the folder, as initdb does, that creates
``data/`` two seconds after the parent dies."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

CHILD = """
import time
from schemalens.db import postgres
cluster = postgres._EmbeddedCluster()
print(cluster.folder, flush=True)
cluster.start()
print("started", flush=True)
time.sleep(120)
"""


def processes_naming(folder: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if any(str(folder) in arg for arg in proc.info["cmdline"] or ()):
            found.append(proc)
    return found


@pytest.mark.parametrize("delay", [0.3, 0.7, 1.0, "started"])
def test_a_sigkilled_parent_leaves_no_folder_and_no_server(delay) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    try:
        folder = Path(child.stdout.readline().strip())
        assert folder.name.startswith("schemalens-pg-") and folder.is_dir()
        if delay == "started":
            assert child.stdout.readline().strip() == "started"
        else:
            time.sleep(delay)
    finally:
        child.kill()
        child.wait()
    deadline = time.monotonic() + 60
    while (folder.exists() or processes_naming(folder)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not folder.exists(), sorted(str(p) for p in folder.rglob("*"))[:5]
    assert processes_naming(folder) == []


LATE_WRITER = """
import subprocess, sys, time
from schemalens.db import postgres
cluster = postgres._EmbeddedCluster()
postgres._start_watchdog(cluster.folder)
late = f"sleep 2; mkdir -p {cluster.folder}/data; touch {cluster.folder}/data/PG_VERSION"
subprocess.Popen(["sh", "-c", late, "initdb", "-D", f"{cluster.folder}/data"], start_new_session=True)
print(cluster.folder, flush=True)
time.sleep(120)
"""


def test_a_process_still_writing_the_folder_after_the_parent_died_is_stopped_and_the_folder_removed() -> None:
    child = subprocess.Popen([sys.executable, "-c", LATE_WRITER], stdout=subprocess.PIPE, text=True)
    try:
        folder = Path(child.stdout.readline().strip())
    finally:
        child.kill()
        child.wait()
    time.sleep(4)  # the late writer would have written at 2 s, after the watchdog removed the folder
    deadline = time.monotonic() + 30
    while (folder.exists() or processes_naming(folder)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not folder.exists(), sorted(str(p) for p in folder.rglob("*"))
    assert processes_naming(folder) == []
