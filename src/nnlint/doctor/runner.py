"""The parent side of ``nnlint doctor SCRIPT``: start the child, show progress and the script's output, collect the report.

The script runs in a child process (``child.py``) in its own session, with a
token in its environment that every process it starts inherits; whatever way
the run ends (step cap, timeout, error, a crash, Ctrl-C), the whole tree is
killed (``reaper.py``) before the run's temporary folder — the report and the
sandbox's overlay — is deleted. The child reports steps on a pipe (for the
progress bar) and writes the report to a file; the script's own stdout/stderr
are shown dimmed above the bar, or dropped with ``--quiet``. No torch here: the
parent only waits.

With ``nproc`` the child is started by PyTorch's own elastic launcher
(``python -m torch.distributed.run --standalone``: a free local port, so runs do
not collide), one doctor child per rank; each rank writes its own report and
``ranks.py`` merges them into one. Every rank's tree is ended by its own token.
"""

from __future__ import annotations

import collections
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from nnlint import reaper
from nnlint.doctor import ranks
from nnlint.doctor.ranks import NEEDS_LAUNCHER_EXIT, rank_token
from nnlint.doctor.report import DoctorReport

GRACE_SECONDS = 120.0  # time for the experiments and checks after the script stops
TAIL_LINES = 20


class RunFailed(Exception):
    """The child produced no report; the message is one line for the user."""


def run_script(script: str, args: list[str], *, steps: int, timeout: float, quiet: bool, console: Console,
               nproc: int | None = None) -> DoctorReport:
    """Run ``script`` under the doctor (on ``nproc`` ranks under torchrun) and return its report; ``RunFailed`` when there is none."""
    with _terminate_unwinds(), tempfile.TemporaryDirectory(prefix="nnlint-doctor-") as folder:
        result, scratch = Path(folder) / "report.json", Path(folder) / "overlay"
        scratch.mkdir()
        token = secrets.token_hex(8)
        progress_read, progress_write = os.pipe()
        options = ["--result", str(result), "--scratch", str(scratch), "--steps", str(steps), "--timeout", str(timeout)]
        if nproc is None:
            command = [sys.executable, "-m", "nnlint.doctor.child", *options, "--progress-fd", str(progress_write), "--", script, *args]
        else:  # torchrun's workers get no inherited descriptors: no progress bar for the ranks
            command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
                       "-m", "nnlint.doctor.child", "--distributed", *options, "--", script, *args]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   pass_fds=(progress_write,), start_new_session=True,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1", reaper.MARKER: token})
        os.close(progress_write)
        tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        with _ProgressBar(console, steps) as advance:
            pumps = [
                threading.Thread(target=_pump_output, args=(process.stdout, console, quiet, tail), daemon=True),
                threading.Thread(target=_pump_progress, args=(os.fdopen(progress_read), advance), daemon=True),
            ]
            for pump in pumps:
                pump.start()
            hung = False
            try:
                process.wait(timeout=timeout + GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                if nproc is None:
                    raise RunFailed(f"{script} did not stop within {timeout + GRACE_SECONDS:g} s and was killed") from None
                hung = True
            finally:  # every ending, Ctrl-C included (the child has its own session, so it would not get the signal)
                _end(process, [token, *(rank_token(token, str(rank)) for rank in range(nproc or 0))])
                for pump in pumps:
                    pump.join(timeout=5)
        if nproc is not None:
            merged = ranks.gather(result, nproc, waited=timeout + GRACE_SECONDS if hung else None)
            if merged is None:
                raise RunFailed(_no_report(script, process.returncode, tail))
            return merged
        if not result.exists():
            if process.returncode == NEEDS_LAUNCHER_EXIT:
                raise RunFailed(f"{script}: this script is distributed: run with --nproc-per-node N")
            raise RunFailed(_no_report(script, process.returncode, tail))
        return DoctorReport.from_json(result.read_text(encoding="utf-8"))


def _no_report(script: str, code: int | None, tail: collections.deque[str]) -> str:
    last = next((line.strip() for line in reversed(tail) if line.strip()), "")
    ending = f"the doctor's child process for {script} ended with code {code} and no report"
    return f"{ending}: {last}" if last else ending


@contextlib.contextmanager
def _terminate_unwinds() -> Iterator[None]:
    """SIGTERM (``kill``, ``timeout``, a CI runner cancelling) ends nnlint as Ctrl-C does: through the cleanup, exit 143."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _end(process: subprocess.Popen[bytes], tokens: list[str]) -> None:
    """Kill the child, if it still runs, and everything the script started, even what left its session or outlived it."""
    for token in tokens:
        reaper.kill_tree(process.pid, token, include_root=process.poll() is None)
    process.wait()


def _pump_output(stream: IO[bytes] | None, console: Console, quiet: bool, tail: collections.deque[str]) -> None:
    if stream is None:
        return
    for raw in stream:
        line = raw.decode("utf-8", errors="replace").rstrip("\n")
        tail.append(line)
        if not quiet:
            console.print(Text(line, style="dim"), soft_wrap=True, highlight=False)


def _pump_progress(stream: IO[str], advance: Callable[[int], None]) -> None:
    with stream:
        for line in stream:
            advance(int(line.split()[0]))


class _ProgressBar:
    """A rich progress bar of optimizer steps on the console (nothing when it is not a terminal)."""

    def __init__(self, console: Console, steps: int) -> None:
        self._bar = Progress(TextColumn("nnlint doctor"), BarColumn(), MofNCompleteColumn(), TextColumn("steps"), TimeElapsedColumn(),
                             console=console, transient=True, disable=not console.is_terminal)
        self._task = self._bar.add_task("steps", total=steps)

    def __enter__(self) -> Callable[[int], None]:
        self._bar.start()
        return lambda done: self._bar.update(self._task, completed=done)

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()
