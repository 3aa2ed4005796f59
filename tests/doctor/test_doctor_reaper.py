"""The process-tree reaper on its own: it finds what left the session and outlived its parent, and never this process."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from doctor_support import survivors

from nnlint import reaper

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="the tree is walked in /proc (Linux)")

# Starts a sleeper in a session of its own, through a parent that exits at once (an orphan), then sleeps itself.
TREE = """
import subprocess, sys, time
marker = sys.argv[1]
sleeper = [sys.executable, "-c", "import time; time.sleep(777)", marker]
subprocess.Popen([sys.executable, "-c", "import subprocess, sys; subprocess.Popen(sys.argv[1:], start_new_session=True)", *sleeper]).wait()
subprocess.Popen(sleeper)
print("started", flush=True)
time.sleep(777)
"""


def start_tree(marker: str, token: str) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", TREE, marker], stdout=subprocess.PIPE, text=True, start_new_session=True,
                               env={**os.environ, reaper.MARKER: token})
    assert process.stdout is not None and process.stdout.readline() == "started\n"
    return process


def test_the_tree_its_session_and_its_marked_orphans_are_killed() -> None:
    marker, token = f"nnlint-reaper-test-{secrets.token_hex(6)}", secrets.token_hex(8)
    process = start_tree(marker, token)
    assert len(survivors(marker, seconds=0)) == 3  # the root, the orphaned sleeper in its own session, the sleeper
    killed = reaper.kill_tree(process.pid, token, include_root=True)
    process.wait(timeout=60)
    assert process.pid in killed and os.getpid() not in killed
    assert survivors(marker) == []


def test_without_the_root_an_orphan_is_found_by_its_marker() -> None:
    marker, token = f"nnlint-reaper-test-{secrets.token_hex(6)}", secrets.token_hex(8)
    process = start_tree(marker, token)
    os.kill(process.pid, 9)
    process.wait(timeout=60)  # the root is gone; its children were reparented away from any tree we know
    reaper.kill_tree(process.pid, token, include_root=False)
    assert survivors(marker) == []
