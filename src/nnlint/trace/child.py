"""The child process of ``nnlint trace``: the user's model code runs here, where it can be killed.

``nnlint.trace.isolation`` starts it with a work folder that holds the request
and receives every answer as a file, so that nothing the model does can reach
the report stream or the parent:

* the model's prints go to stderr (stdout is pointed there before any user
  code runs); the report travels back as ``result.pickle``, written atomically;
* a hang, in Python or in C: faulthandler's watchdog writes the stack to
  ``faults.txt`` at the timeout and ends the process; the parent kills the
  process group in any case;
* ``os._exit``: wrapped to write where it was called (``exit.json``) first;
  ``sys.exit`` is an error of the trace (``nnlint.trace.api``);
* a crash (segfault, abort): faulthandler writes the stack to ``faults.txt``.

The child ends with the real ``os._exit``, so threads and atexit handlers the
model left behind cannot keep it alive.
"""

from __future__ import annotations

import faulthandler
import json
import os
import pickle
import sys
import threading
from pathlib import Path
from typing import Any

from nnlint.limits import _LONGEST_TIMER  # time_t overflows on longer timers
from nnlint.trace.errors import TraceUsageError, describe_exception
from nnlint.trace.frames import describe, user_frame

REQUEST = "request.json"  # what to trace: the parsed command line, as JSON
RESULT = "result.pickle"  # ("report", (diagnostics, capture, rows)) or ("error", one line)
STARTED = "started"  # written when the model's code starts: the main thread's ident; the clock starts
FAULTS = "faults.txt"  # faulthandler's stack dumps (timeout, crash)
EXIT = "exit.json"  # {"code": N, "where": "model.py:12"} when the model called os._exit

_real_exit = os._exit


def main(work: str) -> None:
    """Trace what ``work``/request.json asks for and write the outcome beside it."""
    os.dup2(2, 1)  # the model's prints go to stderr; the report goes back as a file
    folder = Path(work)
    try:
        outcome = _watched(folder)
    except BaseException as error:  # noqa: BLE001 - nnlint's own set-up failed: still one line, not a traceback
        outcome = "error", f"internal error: {describe_exception(error)}"
    partial = folder / (RESULT + ".part")
    partial.write_bytes(pickle.dumps(outcome))
    partial.replace(folder / RESULT)
    sys.stdout.flush()
    sys.stderr.flush()
    _real_exit(0)


def _watched(folder: Path) -> tuple[str, Any]:
    """The outcome of the request, with the watchdogs on while the model's code runs."""
    request = json.loads((folder / REQUEST).read_text(encoding="utf-8"))
    faults = open(folder / FAULTS, "w", encoding="utf-8")  # noqa: SIM115 - open until the process ends
    faulthandler.enable(faults, all_threads=False)
    os._exit = _recording_exit(folder / EXIT)
    from nnlint.trace import api  # noqa: F401 - torch is imported before the model's clock starts

    (folder / STARTED).write_text(str(threading.main_thread().ident), encoding="utf-8")
    faulthandler.dump_traceback_later(min(request["timeout"], _LONGEST_TIMER), file=faults, exit=True)
    try:
        return _outcome(request)
    finally:
        faulthandler.cancel_dump_traceback_later()


def _recording_exit(path: Path) -> Any:
    def recording_exit(code: int) -> None:
        """``os._exit`` as the model's code sees it: writes the call's place, then exits."""
        where = describe(user_frame(sys._getframe(1)))
        path.write_text(json.dumps({"code": code, "where": where}), encoding="utf-8")
        _real_exit(code)

    return recording_exit


def _outcome(request: dict[str, Any]) -> tuple[str, Any]:
    from nnlint.trace.api import trace
    from nnlint.trace.loader import load_target
    from nnlint.trace.source import definition
    from nnlint.trace.spec import parse_inputs

    try:
        target = load_target(request["target"])
        report = trace(target, parse_inputs(request["inputs"]), dtype=request["dtype"], kwargs=request["kwargs"],
                       ignore=request["ignore"], depth=request["depth"], origin=definition(target))
        if request["graphs"]:  # networkx is imported only when a graph file is wanted
            from nnlint.trace.export import write_graph

            for path in request["graphs"]:
                write_graph(report.graph, path, title=request["target"])
    except TraceUsageError as error:
        return "error", str(error)
    except Exception as error:  # noqa: BLE001 - a bug in nnlint must still be one line, not a traceback
        return "error", f"internal error: {describe_exception(error)}"
    except BaseException as error:  # noqa: BLE001 - e.g. KeyboardInterrupt raised by the model's code
        return "error", f"the model's code raised {describe_exception(error)}"
    return "report", (report.diagnostics, report.capture, report.rows)
