"""The child process of ``nnlint doctor``: runs the user's script under the hooks, then writes the report.

``python -m nnlint.doctor.child --result R --scratch D --steps N --timeout S [--progress-fd FD] -- SCRIPT ARGS...``
runs SCRIPT as ``__main__`` with ``sys.argv = [SCRIPT, *ARGS]`` in the write
sandbox (its overlay in D), stops it after N optimizer steps or S seconds, runs
the experiments and checks, ends every process the script started, and writes
the report as JSON to R. It exits with ``os._exit`` so that threads the script
left running cannot keep it alive.

With ``--distributed`` it is one rank of a run under ``torch.distributed.run``:
its report goes to ``R.rank<RANK>`` with the rank's digests (``distributed.py``),
its overlay to ``D/rank<RANK>``, and the processes it starts carry a token of
their own, so that ending one rank's tree never touches the other ranks. Without
it, a script that calls ``init_process_group`` for torchrun's environment ends
with exit code ``NEEDS_LAUNCHER_EXIT`` and no report.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import runpy
import signal
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from nnlint import reaper
from nnlint.doctor.conclude import conclude
from nnlint.doctor.distributed import NeedsLauncher, RankWatch, launcher_guard, local_replay
from nnlint.doctor.frames import describe_error, display_path
from nnlint.doctor.observations import Observations, StepRecord
from nnlint.doctor.ranks import NEEDS_LAUNCHER_EXIT, rank_result, rank_token
from nnlint.doctor.recorder import DoctorStop, Recorder
from nnlint.doctor.report import DoctorReport
from nnlint.doctor.sandbox import Sandbox
from nnlint.doctor.session import Session


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="nnlint.doctor.child")
    parser.add_argument("--result", required=True)
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--progress-fd", type=int)
    parser.add_argument("--distributed", action="store_true", help="one rank under torch.distributed.run")
    parser.add_argument("script")
    parser.add_argument("args", nargs="*")
    options = parser.parse_args(argv)
    progress = os.fdopen(options.progress_fd, "w", buffering=1) if options.progress_fd is not None else None

    def on_step(record: StepRecord) -> None:
        if progress is not None:
            progress.write(f"{record.index + 1} {record.loss}\n")

    result, scratch, watch = options.result, options.scratch, None
    if options.distributed:
        rank = os.environ.get("RANK", "0")
        result, scratch, watch = rank_result(result, rank), os.path.join(scratch, f"rank{rank}"), RankWatch()
        os.makedirs(scratch, exist_ok=True)
        os.environ[reaper.MARKER] = rank_token(os.environ.get(reaper.MARKER, ""), rank)
    reaper.become_subreaper()  # orphans of the script's processes become ours, so that the tree below finds them
    doctor = os.getpid()
    # Installed until os._exit: threads the script left running may still write. The report's folder is the doctor's own.
    sandbox = Sandbox(scratch, exempt=[os.path.dirname(os.path.abspath(result))]).install()
    try:
        report = run_in_this_process(options.script, options.args, steps=options.steps, timeout=options.timeout, sandbox=sandbox,
                                     on_step=on_step, watch=watch)
    except NeedsLauncher:
        report = None
    if os.getpid() != doctor:  # a copy of this process the script made with os.fork() got here: only the doctor reports
        os._exit(0)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # torch's handler would raise in here for the DataLoader workers killed next
    reaper.kill_tree(doctor, os.environ.get(reaper.MARKER), include_root=False)
    reaper.reap_children()
    if report is None:
        os._exit(NEEDS_LAUNCHER_EXIT)
    if watch is not None:
        report.metrics["rank"] = watch.data()
    with open(result + ".tmp", "w", encoding="utf-8") as out:
        out.write(report.to_json())
    os.replace(result + ".tmp", result)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def run_in_this_process(script: str, args: list[str], *, steps: int, timeout: float, sandbox: Sandbox | None = None,
                        on_step: Callable[[StepRecord], None] | None = None, watch: RankWatch | None = None) -> DoctorReport:
    """Run ``script`` as ``__main__`` under the doctor's hooks in this process (the child's job; tests call it directly).

    ``sandbox`` is the installed sandbox the script runs in, whose changes the
    report lists. ``sys.argv`` and ``sys.path`` are restored afterwards; anything
    else the script changes in the process stays changed, which is why the CLI
    runs it in a child. ``watch`` (a distributed rank's) also sees every batch
    and step; ``NeedsLauncher`` propagates: that script cannot run here at all.
    """
    recorder = Recorder(Observations(script=display_path(script)), max_steps=steps, on_step=on_step)
    session = Session(recorder, on_batch=watch.batch if watch is not None else None)
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    started = time.monotonic()
    stopped, error = "the script ended", None
    try:
        with watch.installed() if watch is not None else contextlib.nullcontext(), session, _deadline(timeout), launcher_guard():
            try:
                runpy.run_path(script, run_name="__main__")
            except NeedsLauncher:
                raise
            except DoctorStop as stop:
                stopped = stop.reason
            except SystemExit as exit:
                if exit.code not in (None, 0):
                    error, stopped = describe_error(exit), f"the script exited with {exit.code}"
            except BaseException as raised:  # anything the script raises is reported, never re-raised
                error, stopped = describe_error(raised), "the script raised"
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    if watch is not None:
        recorder.recipe = local_replay(recorder.recipe)
    return conclude(recorder, stopped=stopped, seconds=time.monotonic() - started, error=error,
                    notes=sandbox.notes() if sandbox is not None else [])


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise ``DoctorStop`` in the script after ``seconds`` (the main thread's SIGALRM)."""

    def expire(signum: int, frame: Any) -> None:
        raise DoctorStop(f"stopped at the timeout ({seconds:g} s)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


if __name__ == "__main__":
    main(sys.argv[1:])
