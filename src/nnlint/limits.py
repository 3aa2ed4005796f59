"""Per-file caps, enforced at the file boundary: one pathological file costs one line, not the run.

Checking costs roughly 40 s and 800 MB per MB of source (LibCST trees are large),
and a 5 MB generated file took 14 minutes and 22 GB before this cap existed; the
largest file of the 1.5M-line benchmark corpus is 280 KB. So files over
``max_bytes`` are skipped with a one-line error before they are even read, and a
file whose check runs past ``max_seconds`` (an analysis that blows up on some
shape of code) is abandoned with a one-line error instead of hanging a
pre-commit hook. ``--max-file-size`` and ``--max-file-time`` change them; 0
turns a cap off.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

MB = 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 1 * MB
DEFAULT_MAX_FILE_SECONDS = 120.0
_LONGEST_TIMER = 1e7  # ~4 months: setitimer overflows time_t on larger values


@dataclass(frozen=True)
class FileLimits:
    max_bytes: int | None = DEFAULT_MAX_FILE_BYTES  # None or 0: no size cap
    max_seconds: float | None = DEFAULT_MAX_FILE_SECONDS  # None or 0: no time cap


NO_LIMITS = FileLimits(None, None)


class FileTooSlow(BaseException):
    """Raised by the per-file alarm.

    A ``BaseException``, like ``KeyboardInterrupt``: the batched visitor turns a
    rule's ``Exception`` into "internal error in rule X" and goes on, which would
    swallow the alarm and let the slow file run on.
    """


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``FileTooSlow`` in the block after ``seconds`` of wall time.

    Uses SIGALRM, so it only works in the main thread of a process (the CLI and
    the worker processes of the pool); elsewhere (an editor's thread) it does nothing.
    """
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise FileTooSlow

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, min(seconds, _LONGEST_TIMER))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def describe_size(size: int) -> str:
    return f"{size / MB:.1f} MB" if size >= MB // 10 else f"{size / 1024:.0f} KB"
