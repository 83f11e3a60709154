"""The embedded server's watchdog (issue 11, section 4): a parent SIGKILLed at any moment of the start
(before initdb, during it, while the postmaster starts, after) leaves no temporary folder and no process.
A real child process starts a real embedded PostgreSQL and is killed; nothing is simulated."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

CHILD = """
import time
from schemalens import postgres
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
