"""``nnlint trace`` runs the model in a child process: it never hangs, never lies by exit code, leaves nothing running.

The model's code is the user's: it may loop forever (in Python or in C), call
``os._exit(0)`` or ``sys.exit(7)``, print megabytes, or start processes of its
own. So the command line loads, builds and traces it in ``nnlint.trace.child``,
in a new process group, and reads the outcome from files in a temporary folder:
a report, one line of error, or the traces of how the child ended (a stack dump
at the timeout or a crash, the place of an ``os._exit``). Every ending of the
child is an error of the trace unless it wrote a report, and the whole process
process tree is killed at every ending (``nnlint.reaper``: the tree, the
session and every process that inherited the run's marker, so that a process
the model started with ``start_new_session=True`` or a double fork dies too).
Nothing here imports torch.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nnlint.diagnostic import Diagnostic
from nnlint import reaper
from nnlint.trace.child import EXIT, FAULTS, REQUEST, RESULT, STARTED
from nnlint.trace.errors import TraceUsageError
from nnlint.trace.frames import describe, is_library
from nnlint.trace.report import CaptureInfo, SummaryRow

#: Seconds the child may take to start Python and import torch; the model's clock starts after.
START_UP = 120.0
#: Seconds past the timeout before the child is killed, when its own watchdog has not ended it.
GRACE = 15.0
#: The child drops the working directory from ``sys.path``, so a user's ``json.py`` cannot shadow nnlint's imports.
_BOOT = "import sys; del sys.path[0]; from nnlint.trace.child import main; main(sys.argv[1])"
_THREAD = re.compile(r"^(?:Current thread|Thread) 0x(?P<ident>[0-9a-f]+)", re.MULTILINE)
_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')

Traced = tuple[list[Diagnostic], CaptureInfo, list[SummaryRow]]


def run_isolated(request: Mapping[str, Any], timeout: float) -> Traced:
    """Trace ``request`` (see ``nnlint.trace.child``) in a child process; ``TraceUsageError`` for any other ending."""
    with tempfile.TemporaryDirectory(prefix="nnlint-trace-") as work:
        folder = Path(work)
        (folder / REQUEST).write_text(json.dumps({**request, "timeout": timeout}), encoding="utf-8")
        token = secrets.token_hex(16)
        process = subprocess.Popen([sys.executable, "-c", _BOOT, work], stdin=subprocess.DEVNULL,
                                   start_new_session=True, env={**_environment(), reaper.MARKER: token})
        try:
            timed_out = _wait(process, folder / STARTED, timeout)
        finally:
            _kill_tree(process, token)
        return _outcome(folder, process.returncode, timed_out, timeout)


def _environment() -> dict[str, str]:
    """This nnlint first on the child's path; unbuffered, so the model's prints before a hang are seen."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}


def _wait(process: subprocess.Popen[bytes], started: Path, timeout: float) -> bool:
    """Wait for the child to end; True when it is still running past its time."""
    clock: float | None = None
    limit = time.monotonic() + START_UP + timeout + GRACE
    while True:
        try:
            process.wait(timeout=0.2)
            return False
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if clock is None and started.exists():
            clock, limit = now, now + timeout + GRACE
        if now > limit:
            return True


def _kill_tree(process: subprocess.Popen[bytes], token: str) -> None:
    """End the child and everything the model started: its group, its tree, its session, whatever carries ``token``."""
    reaper.kill_tree(process.pid, token, include_root=process.poll() is None)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # where /proc is missing, the reaper kills only the group of a live root
    process.wait()


def _outcome(folder: Path, status: int | None, timed_out: bool, timeout: float) -> Traced:
    result = folder / RESULT
    if result.exists():
        kind, payload = pickle.loads(result.read_bytes())
        if kind == "error":
            raise TraceUsageError(payload)
        return payload  # type: ignore[no-any-return]
    faults = _read(folder / FAULTS)
    where = _innermost_user_frame(faults, _read(folder / STARTED))
    at = f" at {where}" if where else ""
    if timed_out or faults.startswith("Timeout ("):
        inside = f" in the model's code{at}" if where else ""
        raise TraceUsageError(f"timed out after {timeout:g} s{inside} (raise --timeout to wait longer)")
    if (folder / EXIT).exists():
        called = json.loads(_read(folder / EXIT))
        at = f" at {called['where']}" if called["where"] else ""
        raise TraceUsageError(f"the model's code called os._exit({called['code']}){at}: the model was not traced")
    fatal = re.search(r"Fatal Python error: (?P<what>[^\n]+)", faults)
    if fatal:
        raise TraceUsageError(f"the model's code crashed the trace process ({fatal['what']}){at}")
    if status is not None and status < 0:
        raise TraceUsageError(f"the trace process was killed by {_signal_name(-status)} before the model was traced")
    raise TraceUsageError(f"the trace process ended with exit status {status} before the model was traced")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _innermost_user_frame(dump: str, main_ident: str) -> str:
    """``model.py:12``: the first user frame of faulthandler's dump of the main thread (frames are innermost first)."""
    blocks = _thread_blocks(dump)
    wanted = [text for ident, text in blocks if main_ident.isdigit() and ident == int(main_ident)]
    for match in _FRAME.finditer((wanted or [text for _, text in blocks] or [dump])[0]):
        if not is_library(match["file"]):
            return describe((os.path.abspath(match["file"]), int(match["line"])))
    return ""


def _thread_blocks(dump: str) -> Sequence[tuple[int, str]]:
    heads = list(_THREAD.finditer(dump))
    ends = [head.start() for head in heads[1:]] + [len(dump)]
    return [(int(head["ident"], 16), dump[head.start():end]) for head, end in zip(heads, ends)]


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
