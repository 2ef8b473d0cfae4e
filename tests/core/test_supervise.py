"""`make run`'s supervisor (issue 15, item 6): a process killed with SIGKILL comes
back on its own, and Ctrl-C stops everything with exit status 0."""

import os
import signal
import subprocess
import sys
import time

from tests.stack import ROOT

SLEEPER = "python -c \"import os, time; print('up', os.getpid(), flush=True); time.sleep(120)\""


def _wait_for(process, count: int, timeout: float = 60) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while sum("| up" in line for line in lines) < count:
        assert time.monotonic() < deadline, lines
        lines.append(process.stdout.readline())
    return lines


def test_a_killed_process_restarts_and_ctrl_c_ends_cleanly(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text(f"sleeper: {SLEEPER}\nother: {SLEEPER}\n")
    env = {**os.environ, "PM_VAR_DIR": str(tmp_path / "var")}
    env["PATH"] = f"{os.path.dirname(sys.executable)}:{env['PATH']}"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "supervise", "--procfile", str(procfile)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        first = [line for line in _wait_for(process, 2) if line.startswith("sleeper")]
        pid = int(first[0].split()[-1])
        os.kill(pid, signal.SIGKILL)
        again = [line for line in _wait_for(process, 1) if line.startswith("sleeper")]
        assert again and int(again[0].split()[-1]) != pid  # a new process, on its own
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends the foreground group
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
