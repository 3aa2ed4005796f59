"""Ending a run's whole process tree, for the doctor and the tracer: even processes that left its session.

A script's subprocesses can leave the doctor's process group and session
(``start_new_session=True``, a double fork) and outlive the process that
started them. Three ways find them all, on Linux, from ``/proc``: the tree below
the root by parent pid (the doctor's child is a child subreaper, so orphans stay
in that tree), the root's session, and an environment variable the runner sets
for the run and every process inherits (the way Jenkins' ProcessTreeKiller finds
a build's daemons). Everything found is stopped first, so that nothing forks
while the tree is walked, then killed. Elsewhere the root's process group is killed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time

MARKER = "NNLINT_DOCTOR_RUN"  # set to a unique token in the environment of the run's child process
_PR_SET_CHILD_SUBREAPER = 36
_ROUNDS = 100  # a fork bomb cannot keep the walk going forever


def become_subreaper() -> bool:
    """Make orphaned descendants of this process its children (Linux), so that they stay in its tree; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def kill_tree(root: int, token: str | None = None, *, include_root: bool) -> set[int]:
    """Stop, then kill, ``root``'s descendants, its session and every process whose environment has ``MARKER=token``.

    Never this process. Returns the pids killed.
    """
    if not os.path.isdir("/proc/self"):
        with contextlib.suppress(OSError):
            os.killpg(os.getpgid(root), signal.SIGKILL)
        return set()
    stopped: set[int] = set()
    for _ in range(_ROUNDS):
        found = _members(root, token) | ({root} if include_root else set())
        found -= stopped | {os.getpid()}
        if not found:
            break
        for pid in found:
            _signal(pid, signal.SIGSTOP)
        stopped |= found
    for pid in stopped:
        _signal(pid, signal.SIGKILL)
    return stopped


def reap_children(seconds: float = 5.0) -> None:
    """Collect this process's dead children (orphans a subreaper inherited included), so that no zombie is left."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def _members(root: int, token: str | None) -> set[int]:
    """One pass over /proc: the tree below ``root``, its session, and the marked processes."""
    marker = f"{MARKER}={token}".encode() if token else None
    children: dict[int, list[int]] = {}
    members = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        fields = _stat_fields(pid)
        if fields is None:
            continue
        parent, session = fields
        children.setdefault(parent, []).append(pid)
        if session == root or (marker is not None and marker in _environment(pid)):
            members.add(pid)
    pending, seen = [root], {root}
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in seen:
                seen.add(child)
                pending.append(child)
    return members | (seen - {root})


def _stat_fields(pid: int) -> tuple[int, int] | None:
    """(parent pid, session id) from /proc/PID/stat; None for a process that is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read()
    except OSError:
        return None
    fields = text[text.rfind(b")") + 2:].split()  # after "pid (command)", which may hold spaces
    return int(fields[1]), int(fields[3])


def _environment(pid: int) -> list[bytes]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            return environ.read().split(b"\0")
    except OSError:  # another user's process, or gone
        return []


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signum)
