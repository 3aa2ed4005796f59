"""No process of ``nnlint lsp`` outlives it: the checking process goes with the server, however the session ends.

The server checks documents in a child process (so that a check can be stopped);
these tests find that child while the session runs, end the session one way or
another, and then require that it is gone: after shutdown and exit, when the
client closes the server's input, and when the server itself is killed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("pygls")
if not sys.platform.startswith("linux"):
    pytest.skip("finds processes in /proc", allow_module_level=True)

from lsp_support import BUGGY, TIMEOUT, RawSession, children, is_running, training_script


@pytest.fixture
def session(tmp_path: Path) -> Iterator[RawSession]:
    """A session that has checked a document, so its checking process runs."""
    session = RawSession(tmp_path)
    session.initialize()
    assert [d["code"] for d in session.open_and_wait("train.py", BUGGY)] == ["NN301"]
    yield session
    session.close()


def _shut_down_and_exit(session: RawSession) -> None:
    session.send({"id": 1, "method": "shutdown"})
    session.receive(lambda message: message.get("id") == 1)
    session.send({"method": "exit"})


def _close_its_input(session: RawSession) -> None:
    assert session.process.stdin is not None
    session.process.stdin.close()


def _kill_it(session: RawSession) -> None:
    session.process.kill()


def _gone(pid: int) -> bool:
    deadline = time.monotonic() + TIMEOUT
    while is_running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not is_running(pid)


@pytest.mark.parametrize("end", [_shut_down_and_exit, _close_its_input, _kill_it], ids=["shutdown-exit", "stdin-closed", "server-killed"])
def test_the_checking_process_ends_with_the_server(session: RawSession, end: Callable[[RawSession], None]):
    (worker,) = children(session.process.pid)
    assert "nnlint.lsp.worker" in Path(f"/proc/{worker}/cmdline").read_bytes().decode().replace("\0", " ")
    end(session)
    session.process.wait(TIMEOUT)
    assert _gone(worker), "the checking process outlived the server"


def test_a_killed_check_leaves_no_process_behind(tmp_path: Path):
    """A check stopped by the time cap kills its process; only the one started for the next check remains."""
    session = RawSession(tmp_path, "--max-file-time", "1")
    try:
        session.initialize()
        (first,) = session.open_and_wait("slow.py", training_script(900_000))
        assert first["message"].startswith("not checked: took longer than 1 s")
        assert [d["code"] for d in session.open_and_wait("train.py", BUGGY)] == ["NN301"]
        assert len(children(session.process.pid)) == 1
    finally:
        session.close()
