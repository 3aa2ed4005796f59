"""The server's side of its checking process: the caps on a check, and killing a check that overruns them.

The CLI's caps (``nnlint.limits``) apply to every document: one over
``max_bytes`` (its UTF-8 size, as the file would be saved) is not sent at all;
a check that runs past ``max_seconds`` is stopped by killing the process, which
is started again for the next check; the process's memory is capped at
``max_memory``. Each cap that stops a check becomes a one-line reason, which the
server shows as the document's only diagnostic. One long-lived process serves
every check, so the common case pays no start-up; it is started when the
session begins and checks one document at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TypeVar

from nnlint.limits import MB, FileLimits, describe_size
from nnlint.lsp.messages import READY, CheckedDocument, CheckRequest, encode, receive, skipped
from nnlint.lsp.worker import DEFAULT_MAX_MEMORY, EXIT_OUT_OF_MEMORY

# MemoryError in Python code, or an abort: what LibCST's native parser does when an allocation fails
_OUT_OF_MEMORY = (EXIT_OUT_OF_MEMORY, -getattr(signal, "SIGABRT", 6))
_START_SECONDS = 300.0  # importing the engine on a busy machine: a start that takes longer has failed
_T = TypeVar("_T")


@dataclass(frozen=True)
class ServerLimits:
    files: FileLimits = field(default_factory=FileLimits)
    max_memory: int | None = DEFAULT_MAX_MEMORY  # bytes of address space; None or 0: no cap


class CheckingProcess:
    def __init__(self, limits: ServerLimits) -> None:
        self.limits = limits
        self._process: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()  # one exchange at a time: answers come back in order
        self.closed = False  # the session is over: no process is started again

    async def start(self) -> None:
        """Have a process ready, so the first document does not wait for the engine's imports (a failure waits for a check to say it)."""
        async with self._lock:
            with contextlib.suppress(OSError, _NotStarted):
                await self._uninterrupted(self._ready())

    async def check(self, request: CheckRequest) -> CheckedDocument:
        too_large = self._too_large(request.text)
        if too_large is not None:
            return skipped(request, too_large)
        async with self._lock:
            try:
                process = await self._uninterrupted(self._ready())
            except OSError as error:
                return skipped(request, f"not checked: the checking process did not start ({error.strerror or error})")
            except _NotStarted as error:
                return skipped(request, str(error))
            return await self._uninterrupted(self._exchange(process, request))

    async def _uninterrupted(self, step: Awaitable[_T]) -> _T:
        """``step``, or, if the caller is cancelled half-way, no process: what it left unread would be taken for the next answer."""
        try:
            return await step
        except asyncio.CancelledError:
            self.stop()
            raise

    def stop(self) -> None:
        """Kill the process now; the next check starts another. Safe to call at any time, also after the event loop ended."""
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):  # it has just ended by itself
                process.kill()

    def close(self) -> None:
        """Stop for good: the session is over."""
        self.closed = True
        self.stop()

    def _too_large(self, text: str) -> str | None:
        limit = self.limits.files.max_bytes
        if not limit or len(text) * 4 <= limit:  # at most 4 bytes a character: no need to encode
            return None
        size = len(text.encode("utf-8", "surrogatepass"))
        if size <= limit:
            return None
        return f"not checked: too large ({describe_size(size)}, the limit is {describe_size(limit)}; raise it with nnlint lsp --max-file-size MB)"

    async def _exchange(self, process: asyncio.subprocess.Process, request: CheckRequest) -> CheckedDocument:
        assert process.stdin is not None and process.stdout is not None
        seconds = self.limits.files.max_seconds
        try:
            process.stdin.write(encode(request))
            await process.stdin.drain()
            answer: CheckedDocument = await asyncio.wait_for(receive(process.stdout), seconds or None)
        except asyncio.TimeoutError:
            self.stop()
            return skipped(request, f"not checked: took longer than {seconds:g} s (raise the limit with nnlint lsp --max-file-time SECONDS; please report the file)")
        except (asyncio.IncompleteReadError, ConnectionError):
            self.stop()  # it closed its output: it has ended, or is ending
            return skipped(request, self._stopped_because(await process.wait()))
        return answer

    def _stopped_because(self, returncode: int) -> str:
        if returncode in _OUT_OF_MEMORY and self.limits.max_memory:
            return (f"not checked: needed more than {self.limits.max_memory / MB:g} MB of memory "
                    "(raise the limit with nnlint lsp --max-memory MB; please report the file)")
        return f"not checked: the checking process stopped (exit status {returncode}); please report the file"

    async def _ready(self) -> asyncio.subprocess.Process:
        if self.closed:
            raise _NotStarted("not checked: the session is over")
        if self._process is not None and self._process.returncode is None:
            return self._process
        process = self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "nnlint.lsp.worker", str(os.getpid()), str(self.limits.max_memory or 0),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        try:
            said = await asyncio.wait_for(receive(process.stdout), _START_SECONDS)
        except (asyncio.TimeoutError, asyncio.IncompleteReadError):
            self.stop()
            raise _NotStarted(self._stopped_because(await process.wait())) from None
        if said != READY:
            self.stop()
            raise _NotStarted(f"not checked: the checking process did not start (it said {said!r}); please report it")
        return process


class _NotStarted(Exception):
    """The process could not be made ready; the message is the one line to show for the document."""
