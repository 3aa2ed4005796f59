"""Deeply nested code is checked, not refused: the LibCST half of a check runs on a big stack.

Python parses brackets nested up to 200 deep, and chains such as ``x[0][0]...``
or ``a + b + ...`` a few thousand levels deep; LibCST's position provider, the
batched visit and the analysis recurse several Python frames per level, so with
the default limit of 1000 frames a valid call nested 150 deep failed with
RecursionError. Raising the limit on the main thread is not safe: on Python 3.11
a frame entered through C (``__init__``, ``sorted(key=...)``) uses C stack, and
running out of it is a segfault, not an exception. So the work runs in a thread
whose stack holds ``RECURSION_LIMIT`` frames of the costliest kind measured
(about 2.5 KB each; plain Python calls cost none), and the limit is raised only
while such a thread runs (the limit is per interpreter: other threads, an editor's
event loop, see it meanwhile; they do not recurse deeply). Past it, RecursionError
is still raised and the caller reports the file as too deeply nested.

The per-file alarm (``limits.time_limit``) fires in the main thread, which is
waiting here; the interruption (or a Ctrl-C) is passed on to the worker thread so
that the abandoned check stops too: nothing outlives the file.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

STACK_BYTES = 512 * 1024 * 1024  # address space: only the pages a deep file touches are used
RECURSION_LIMIT = 50_000  # x 2.5 KB = 125 MB, a quarter of the stack

T = TypeVar("T")

_lock = threading.Lock()
_running = 0  # deep threads now running: the limit is restored when the last one ends
_saved_limit = 0


def call_with_deep_stack(function: Callable[[], T]) -> T:
    """``function()``, run in a thread with a big stack and a raised recursion limit."""
    outcome: list[tuple[bool, object]] = []
    handing_over = threading.Lock()  # an interruption is sent only before the result is handed over

    def target() -> None:
        try:
            try:
                result: tuple[bool, object] = (True, function())
            except BaseException as error:  # noqa: BLE001 - handed to the caller's thread, raised there
                result = (False, error)
            with handing_over:
                outcome.append(result)
        except BaseException:  # noqa: BLE001 - the interruption arrived as the check ended: the caller raises it
            pass

    try:
        thread = _started(target)
    except (RuntimeError, ValueError, MemoryError):  # no such thread on this platform: the plain stack
        return function()
    try:
        thread.join()
    except BaseException as interruption:  # the file's alarm or Ctrl-C: stop the worker too, then go on
        with handing_over:
            if not outcome:
                _raise_in(thread, type(interruption))
        thread.join()
        raise
    finally:
        _leave()
    succeeded, value = outcome[0] if outcome else (False, RuntimeError("the check's thread ended without a result"))
    if succeeded:
        return value  # type: ignore[return-value]
    raise value  # type: ignore[misc]


def _started(target: Callable[[], None]) -> threading.Thread:
    _enter()
    try:
        with _lock:  # the stack size is a process-wide setting: set it only for this thread
            previous_size = threading.stack_size(STACK_BYTES)
            try:
                thread = threading.Thread(target=target, name="nnlint-deep-stack", daemon=True)
                thread.start()
            finally:
                threading.stack_size(previous_size)
    except BaseException:
        _leave()
        raise
    return thread


def _enter() -> None:
    global _running, _saved_limit
    with _lock:
        if _running == 0:
            _saved_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(RECURSION_LIMIT, _saved_limit))
        _running += 1


def _leave() -> None:
    global _running
    with _lock:
        _running -= 1
        if _running == 0:
            sys.setrecursionlimit(_saved_limit)


def _raise_in(thread: threading.Thread, kind: type[BaseException]) -> None:
    """Raise ``kind`` in ``thread`` at its next bytecode (CPython's documented PyThreadState_SetAsyncExc)."""
    import ctypes  # only when a check is interrupted

    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(kind))
