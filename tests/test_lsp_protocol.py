"""What a client sends that the server did not expect gets a proper LSP answer, never a traceback or an error popup.

Each case was reproduced against ``nnlint lsp`` before the fix: ``didChange`` of an
unopened document popped "Error in server: KeyError", a code action on an unknown
document answered -32603 with a Python traceback in ``data``, and a request with
invalid params was never answered.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_support import BUGGY, TIMEOUT, RawSession, actions_at, change_document, open_document, published, start


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "nnlint.cli", "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await asyncio.wait_for(start(lsp_client, tmp_path, None), TIMEOUT)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


def _errors_shown(client: LanguageClient) -> list[str]:
    return [message.message for message in client.messages if message.type == types.MessageType.Error]


async def _still_serving(client: LanguageClient, workspace: Path) -> None:
    uri = open_document(client, workspace / "alive.py", BUGGY)
    assert [d.code for d in await published(client, uri, 1)] == ["NN301"]


@pytest.mark.asyncio
async def test_a_change_of_an_unopened_document_is_ignored_silently(client: LanguageClient, tmp_path: Path):
    change_document(client, (tmp_path / "never_opened.py").as_uri(), 2, BUGGY)
    await _still_serving(client, tmp_path)
    assert _errors_shown(client) == []


@pytest.mark.asyncio
async def test_code_actions_of_an_unknown_document_are_none(client: LanguageClient, tmp_path: Path):
    where = types.Range(types.Position(0, 0), types.Position(0, 0))
    assert await asyncio.wait_for(actions_at(client, (tmp_path / "missing.py").as_uri(), where), TIMEOUT) == {}
    assert _errors_shown(client) == []


@pytest.fixture
def raw(tmp_path: Path) -> Iterator[RawSession]:
    session = RawSession(tmp_path)
    session.initialize()
    yield session
    session.close()


def test_a_request_with_invalid_params_is_answered_invalid_params_in_one_line(raw: RawSession):
    raw.send({"id": 7, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": 42}, "range": "everywhere", "context": {}}})
    answer = raw.receive(lambda message: message.get("id") == 7)
    assert answer["error"]["code"] == -32602 and "data" not in answer["error"] or answer["error"]["data"] is None
    message = answer["error"]["message"]
    assert message.startswith("invalid params for textDocument/codeAction: ") and "\n" not in message and "Traceback" not in message
    assert [d["code"] for d in raw.open_and_wait("alive.py", BUGGY)] == ["NN301"], "the server goes on"
    assert "Traceback" not in raw.log.read_text(encoding="utf-8", errors="replace"), "the server's log says it in one line too"


def test_a_notification_with_invalid_params_is_dropped_silently(raw: RawSession):
    raw.send({"method": "textDocument/didOpen", "params": {"textDocument": {"uri": (raw.root / "x.py").as_uri(), "version": "one"}}})
    assert [d["code"] for d in raw.open_and_wait("alive.py", BUGGY)] == ["NN301"]
    assert [m for m in raw.seen if m.get("method") == "window/showMessage" and m["params"]["type"] == types.MessageType.Error] == []
