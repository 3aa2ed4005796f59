"""``nnlint doctor`` leaves nothing running, however the run ends (issue 10): step cap, timeout, error, crash, Ctrl-C.

Each test runs the doctor's child process on a tiny script that starts processes
which leave its group and session, forks, and orphans a daemon. Nothing here
measures time: the timeout test passes whether the timer fires before or after
the script's first step.
"""

from __future__ import annotations

import queue
import secrets
import shutil
import signal
import subprocess
import sys
import threading

import pytest
from doctor_support import FIXTURES, survivors
from test_doctor_command import doctor

pytest.importorskip("torch")
pytestmark = pytest.mark.skipif(shutil.which("ps") is None, reason="the tests look for survivors with ps")


@pytest.mark.parametrize(("ending", "says"), [
    ("steps", "stopped after 2 steps"),
    ("timeout", "stopped at the timeout (8 s)"),
    ("raise", "RuntimeError: the script failed"),
    ("exit", "ended with code 3 and no report"),
])
def test_every_process_the_script_started_ends_with_the_run(capsys, ending, says) -> None:
    marker = f"nnlint-doctor-test-{secrets.token_hex(6)}"
    timeout = "8" if ending == "timeout" else "600"
    _, out, err = doctor(capsys, "--quiet", "--steps", "2", "--timeout", timeout, str(FIXTURES / "starts_processes.py"), "--", marker, ending)
    assert says in out + err
    assert survivors(marker) == []


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 128 + signal.SIGTERM)], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_doctor_ends_every_process_the_script_started(tmp_path, signum, code) -> None:
    marker = f"nnlint-doctor-test-{secrets.token_hex(6)}"
    command = [sys.executable, "-m", "nnlint.cli", "doctor", str(FIXTURES / "starts_processes.py"), "--", marker, "interrupt"]
    nnlint = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in nnlint.stderr], daemon=True).start()  # type: ignore[union-attr]
    try:
        while "ready" not in lines.get(timeout=300):  # the script's own output: its processes are started
            pass
        nnlint.send_signal(signum)
        assert nnlint.wait(timeout=300) == code
    finally:
        nnlint.kill()
    assert survivors(marker) == []
