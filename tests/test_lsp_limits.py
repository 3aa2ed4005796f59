"""The CLI's per-file caps hold in the language server, which checks in a process it can kill.

Reproduced before the fix: a 2.5 MB document grew ``nnlint lsp`` to 13.4 GB in
3.5 minutes without publishing anything, because neither ``--max-file-size`` nor
``--max-file-time`` applied in the server (and the CLI's alarm does nothing off
the main thread). Now each cap that stops a check is the document's one
diagnostic, and the server goes on checking other documents.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from nnlint.limits import MB

from lsp_support import BUGGY, TIMEOUT, actions_at, change_document, open_document, published, start, training_script

SERVER = [sys.executable, "-m", "nnlint.cli", "lsp"]
MEMORY_CAP = 1200  # MB of address space: the checking process starts at about 700 MB, the slow document needs GBs
TIME_CAP = 2  # seconds; the slow document takes minutes per MB, a small one a few milliseconds
SLOW = training_script(900_000)  # under the default 1 MB size cap


async def _session(client: LanguageClient, root: Path):
    await asyncio.wait_for(start(client, root, None), TIMEOUT)
    yield
    await asyncio.wait_for(client.shutdown_session(), TIMEOUT)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    async for _ in _session(lsp_client, tmp_path):
        yield


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[*SERVER, "--max-file-time", str(TIME_CAP)]))
async def capped_client(lsp_client: LanguageClient, tmp_path: Path):
    async for _ in _session(lsp_client, tmp_path):
        yield


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[*SERVER, "--max-memory", str(MEMORY_CAP)]))
async def small_memory_client(lsp_client: LanguageClient, tmp_path: Path):
    async for _ in _session(lsp_client, tmp_path):
        yield


def _only_reason(diagnostics: list[types.Diagnostic]) -> str:
    (diagnostic,) = diagnostics
    assert diagnostic.code is None and diagnostic.source == "nnlint" and diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.range.start == types.Position(0, 0)
    return diagnostic.message


async def _small_document_still_checked(client: LanguageClient, root: Path) -> None:
    uri = open_document(client, root / "small.py", BUGGY)
    assert [d.code for d in await published(client, uri, 1)] == ["NN301"]


@pytest.mark.asyncio
async def test_a_document_over_the_size_cap_is_one_diagnostic_saying_so(client: LanguageClient, tmp_path: Path):
    huge = BUGGY * (int(2.5 * MB) // len(BUGGY.encode("utf-8")) + 1)
    uri = open_document(client, tmp_path / "generated.py", huge)
    reason = _only_reason(await published(client, uri, 1))
    assert reason == "not checked: too large (2.5 MB, the limit is 1.0 MB; raise it with nnlint lsp --max-file-size MB)"
    top = types.Position(0, 0)
    assert await actions_at(client, uri, types.Range(top, top)) == {}
    await _small_document_still_checked(client, tmp_path)


@pytest.mark.asyncio
async def test_a_check_over_the_time_cap_is_stopped_and_the_next_one_runs(capped_client: LanguageClient, tmp_path: Path):
    uri = open_document(capped_client, tmp_path / "slow.py", SLOW)
    reason = _only_reason(await published(capped_client, uri, 1))
    assert reason == f"not checked: took longer than {TIME_CAP} s (raise the limit with nnlint lsp --max-file-time SECONDS; please report the file)"
    await _small_document_still_checked(capped_client, tmp_path)


@pytest.mark.asyncio
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the address-space cap is a Linux one (macOS ignores RLIMIT_AS)")
async def test_a_check_over_the_memory_cap_is_stopped_and_the_next_one_runs(small_memory_client: LanguageClient, tmp_path: Path):
    uri = open_document(small_memory_client, tmp_path / "slow.py", SLOW)
    reason = _only_reason(await published(small_memory_client, uri, 1))
    assert reason == f"not checked: needed more than {MEMORY_CAP} MB of memory (raise the limit with nnlint lsp --max-memory MB; please report the file)"
    await _small_document_still_checked(small_memory_client, tmp_path)


@pytest.mark.asyncio
async def test_edits_during_a_long_check_cost_one_check_of_the_latest_text(capped_client: LanguageClient, tmp_path: Path):
    uri = open_document(capped_client, tmp_path / "train.py", SLOW)
    for version in (2, 3, 4):  # each after the debounce delay: without "latest text only", each would be checked in turn
        await asyncio.sleep(0.4)
        change_document(capped_client, uri, version, SLOW + f"# edit {version}\n")
    await asyncio.sleep(0.4)
    change_document(capped_client, uri, 5, BUGGY)
    assert [d.code for d in await published(capped_client, uri, 5)] == ["NN301"]
    checked = [int(found[1]) for log in capped_client.log_messages if (found := re.search(r"checked \S+train\.py \(version (\d+)\)", log.message))]
    assert checked[0] == 1 and checked[-1] == 5
    assert len(checked) <= 3, f"checked versions {checked}: superseded texts were checked"
