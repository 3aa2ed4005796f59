"""The language server's checking process: ``python -m nnlint.lsp.worker PARENT_PID MAX_MEMORY_BYTES``.

The server cannot cap a check in its own process: the CLI's alarm only works
in a main thread, and a thread cannot be stopped. So documents are checked
here, one at a time, and the server kills this process when a check overruns
its time cap (and starts another). Memory is capped with ``RLIMIT_AS`` once the
engine is imported: a check that hits it exits with ``EXIT_OUT_OF_MEMORY``,
so the next check starts in a fresh process.

This process never outlives the server: it stops at the end of its input (the
server closed the pipe or died), and when the parent dies while a check runs
(``PR_SET_PDEATHSIG`` on Linux; elsewhere a thread watches the parent's pid).
Messages travel on the original stdout; ``sys.stdout`` is redirected to stderr
so nothing printed can corrupt them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from nnlint.limits import MB
from nnlint.lsp.messages import READY, CheckRequest, read_message, write_message

if TYPE_CHECKING:
    from nnlint.lsp.documents import DocumentChecker

DEFAULT_MAX_MEMORY = 8192 * MB  # address space, not resident memory: checking a 220 KB file reserved 780 MB of it
EXIT_OUT_OF_MEMORY = 3
_MEMORY_ERROR = "(MemoryError"  # how the engine's one-line errors name a MemoryError: "(ExceptionType: message)"
_PARENT_POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def main(argv: list[str]) -> int:
    parent, max_memory = int(argv[0]), int(argv[1])
    _die_with(parent)
    requests, answers = sys.stdin.buffer, os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    from nnlint.lsp.documents import DocumentChecker  # the engine: imported before the memory cap applies

    checker = DocumentChecker()
    checker.check("untitled:warm-up", "import torch\n", None)  # loads the rules now, not in the first real check
    _limit_memory(max_memory)
    try:
        write_message(answers, READY)
        return _serve(checker, requests, answers)
    except MemoryError:  # reading a request, checking it or answering: a fresh process does better than a clean-up
        os._exit(EXIT_OUT_OF_MEMORY)


def _serve(checker: DocumentChecker, requests: BinaryIO, answers: BinaryIO) -> int:
    while True:
        try:
            request: CheckRequest = read_message(requests)
        except EOFError:
            return 0
        checker.workspace_root = Path(request.workspace_root) if request.workspace_root else None
        answer = checker.check(request.uri, request.text, request.version)
        if any(_MEMORY_ERROR in error for error in answer.errors):
            raise MemoryError  # hit inside a rule, which the engine reports as that rule's failure and goes on
        write_message(answers, answer)


def _die_with(parent: int) -> None:
    """Stop as soon as the server process ``parent`` is gone, even in the middle of a check."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # works even while a check holds the GIL
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the line above

    def watch() -> None:
        try:
            while os.getppid() == parent:
                time.sleep(_PARENT_POLL_SECONDS)
        except MemoryError:  # a thread that died of it would leave the process hanging
            os._exit(EXIT_OUT_OF_MEMORY)
        os._exit(1)

    threading.Thread(target=watch, name="nnlint-parent-watch", daemon=True).start()


def _limit_memory(max_bytes: int) -> None:
    if not max_bytes:
        return
    try:
        import resource
    except ImportError:  # Windows: no address-space cap, the time cap still holds
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
    with contextlib.suppress(ValueError, OSError):  # macOS refuses address-space caps: the time cap still holds
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
