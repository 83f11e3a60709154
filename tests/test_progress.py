"""Progress on stderr for a long static analysis (schemalens.core.progress): shown on a terminal, silent
otherwise, never on stdout."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from schemalens.core.progress import Progress


def _folder(tmp_path: Path, files: int = 6) -> Path:
    d = tmp_path / "migrations"
    d.mkdir()
    for i in range(files):
        (d / f"{i:03d}_t.sql").write_text(f"CREATE TABLE t{i} (id int PRIMARY KEY);\nCOMMENT ON TABLE t{i} IS 'x';\n")
    return d


def _graph(folder: Path, out: Path, env: dict, tty: bool) -> tuple[str, str]:
    """stdout and stderr of ``schemalens graph`` (stderr a pseudo-terminal when ``tty``)."""
    argv = [sys.executable, "-c", "import sys; from schemalens.cli import main; sys.exit(main(sys.argv[1:]))",
            "graph", str(folder), "--format", "json"]
    env = {**os.environ, **env, "SCHEMALENS_CACHE": "off"}
    if not tty:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
        return done.stdout, done.stderr
    parent, child = pty.openpty()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=child, env=env)
    os.close(child)
    err = b""
    while True:  # read the terminal until the process closes it
        ready, _, _ = select.select([parent], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(parent, 4096)
        except OSError:  # EIO: the other end is closed
            break
        if not chunk:
            break
        err += chunk
    stdout = proc.stdout.read().decode()
    assert proc.wait(60) == 0
    os.close(parent)
    return stdout, err.decode()


def test_a_terminal_sees_progress_and_stdout_stays_clean(tmp_path):
    folder = _folder(tmp_path)
    stdout, stderr = _graph(folder, tmp_path / "g.json", {"SCHEMALENS_PROGRESS_AFTER": "0"}, tty=True)
    assert "schemalens: 2 statements, file 1/6" in stderr
    assert stderr.endswith("\r\x1b[K")  # the line is wiped at the end
    assert "statements" not in stdout and stdout.lstrip().startswith("{")


def test_silent_when_stderr_is_no_terminal(tmp_path):
    stdout, stderr = _graph(_folder(tmp_path), tmp_path / "g.json", {"SCHEMALENS_PROGRESS_AFTER": "0"}, tty=False)
    assert stderr == "" and "statements" not in stdout


def test_quick_folders_show_nothing_even_on_a_terminal(tmp_path):
    _, stderr = _graph(_folder(tmp_path), tmp_path / "g.json", {}, tty=True)  # default: after 2 s
    assert "statements" not in stderr


@pytest.mark.parametrize("switch, tty, shown", [("on", False, True), ("off", True, False), ("auto", True, True),
                                                 ("auto", False, False)])
def test_the_switch(monkeypatch, switch, tty, shown):
    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    monkeypatch.setenv("SCHEMALENS_PROGRESS", switch)
    stream = Stream()
    with Progress([1, 1, 1], stream=stream, after=0) as p:
        p.update(2, 7)
    assert ("7 statements, file 2/3 (66%)" in stream.getvalue()) is shown


def test_at_most_five_lines_a_second(monkeypatch):
    from schemalens.core import progress

    clock = [100.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    stream = io.StringIO()
    p = Progress([1] * 100, stream=stream, after=2, enabled=True)
    p.update(1, 1)
    assert stream.getvalue() == ""  # before 2 s
    for i in range(2, 101):
        clock[0] += 0.05
        p.update(i, i)
    p.close()
    lines = stream.getvalue().split("\r")[1:-1]
    assert 11 <= len(lines) <= 16  # 3 s shown (after the first 2), one line per 0.2 s at most
    assert all(line.startswith("schemalens: ") for line in lines)


def test_a_closed_stderr_is_no_crash():
    stream = io.StringIO()
    stream.close()
    p = Progress([1], stream=stream, after=0, enabled=True)
    p.update(1, 1)
    p.close()
    assert p.enabled is False
