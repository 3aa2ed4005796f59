"""What the language-server tests share: sample documents and a client's side of the protocol (pytest-lsp)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

BUGGY = """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
criterion = nn.NLLLoss()
s = "\N{GRINNING FACE}"; loss = criterion(model(x), y)
"""
CLEAN = BUGGY.replace("nn.NLLLoss()", "nn.CrossEntropyLoss()")
ASCII = BUGGY.replace('s = "\N{GRINNING FACE}"; ', "")  # the same finding, for tests that edit columns by hand
# The finding covers ``criterion(model(x), y)`` on line 3, after a character outside the BMP:
# 16 code points in, which is 17 UTF-16 code units and 19 UTF-8 bytes.
START = {"utf-32": 16, "utf-16": 17, "utf-8": 19}
LENGTH = len("criterion(model(x), y)")
TIMEOUT = 90



async def start(client: LanguageClient, root: Path, encodings: Sequence[str] | None) -> types.InitializeResult:
    capabilities = types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=list(encodings)) if encodings else None,
        workspace=types.WorkspaceClientCapabilities(workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True)),
        text_document=types.TextDocumentClientCapabilities(publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True)),
    )
    return await client.initialize_session(
        types.InitializeParams(capabilities=capabilities, root_uri=root.as_uri(), workspace_folders=[types.WorkspaceFolder(root.as_uri(), "work")])
    )


async def published(client: LanguageClient, uri: str, version: int) -> list[types.Diagnostic]:
    """The diagnostics the server publishes for ``uri`` at ``version`` (earlier versions' are skipped)."""

    async def wait() -> list[types.Diagnostic]:
        while True:
            params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == uri and params.version == version:
                return list(params.diagnostics)

    return await asyncio.wait_for(wait(), TIMEOUT)


def open_document(client: LanguageClient, path: Path, text: str) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    return uri


def change_document(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version), [types.TextDocumentContentChangeWholeDocument(text=text)]
        )
    )


def apply(text: str, edit: types.WorkspaceEdit, uri: str) -> str:
    """What an editor does with a ``WorkspaceEdit`` (ASCII-only documents: columns are characters)."""
    assert edit.document_changes is not None
    (document_edit,) = edit.document_changes
    assert isinstance(document_edit, types.TextDocumentEdit) and document_edit.text_document.uri == uri
    lines = text.splitlines(keepends=True) + [""]

    def offset(position: types.Position) -> int:
        return sum(len(line) for line in lines[: position.line]) + position.character

    for change in sorted(document_edit.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        assert not isinstance(change, types.SnippetTextEdit), change  # nnlint sends text edits, never snippets
        text = text[: offset(change.range.start)] + change.new_text + text[offset(change.range.end) :]
    return text


async def actions_at(client: LanguageClient, uri: str, where: types.Range, only: list[str] | None = None) -> dict[str, types.CodeAction]:
    """The code actions offered for the range ``where`` (an editor sends the cursor's or the selection's range)."""
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=where,
        context=types.CodeActionContext(diagnostics=[], only=only),
    )
    found = await client.text_document_code_action_async(params) or []
    return {action.title: action for action in found if isinstance(action, types.CodeAction)}


class RawSession:
    """``nnlint lsp`` driven by hand, JSON-RPC frame by frame: for what a well-behaved client cannot send, and for its processes."""

    def __init__(self, root: Path, *arguments: str) -> None:
        self.root = root
        self.log = root / "server-stderr.txt"  # the server's log (a file, so it never blocks on a full pipe)
        with self.log.open("wb") as log:
            command = [sys.executable, "-m", "nnlint.cli", "lsp", *arguments]
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        self._buffer = b""
        self.seen: list[dict[str, Any]] = []  # every message received, in order

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The next message from the server that ``wanted`` accepts (others are skipped)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._next(deadline)
            self.seen.append(message)
            if wanted(message):
                return message

    def initialize(self) -> None:
        self.send({"id": 0, "method": "initialize", "params": {"processId": os.getpid(), "rootUri": self.root.as_uri(), "capabilities": {}}})
        self.receive(lambda message: message.get("id") == 0)
        self.send({"method": "initialized", "params": {}})

    def open_and_wait(self, name: str, text: str) -> list[dict[str, Any]]:
        """Open ``name`` and return the diagnostics published for it."""
        uri = (self.root / name).as_uri()
        self.send({"method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}})
        published = self.receive(lambda message: message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri)
        return list(published["params"]["diagnostics"])

    def close(self) -> None:
        """Whatever state the test left it in: no process of the session survives the test."""
        for pid in [self.process.pid, *children(self.process.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(TIMEOUT)

    def _next(self, deadline: float) -> dict[str, Any]:
        while True:
            header, separator, rest = self._buffer.partition(b"\r\n\r\n")
            if separator:
                found = re.search(rb"Content-Length: *(\d+)", header)
                assert found is not None, header  # every message the server writes has the header
                length = int(found[1])
                if len(rest) >= length:
                    self._buffer = rest[length:]
                    return json.loads(rest[:length])
            assert self.process.stdout is not None
            ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, "the server did not answer in time"
            chunk = os.read(self.process.stdout.fileno(), 65536)
            assert chunk, "the server closed its output"
            self._buffer += chunk


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (Linux: from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(stat.parent.name))
    return found


def is_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie, dead but not yet reaped, is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


_TRAINING_BLOCK = """
class Net{i}(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return self.fc(x)


def train_{i}(loader):
    model = Net{i}()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    criterion = nn.NLLLoss()
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
"""


def training_script(size: int) -> str:
    """A valid training script of about ``size`` bytes with a finding in every function (checking it takes minutes per MB)."""
    blocks = size // len(_TRAINING_BLOCK.format(i=0)) + 1
    return "import torch\nimport torch.nn as nn\n" + "".join(_TRAINING_BLOCK.format(i=i) for i in range(blocks))
