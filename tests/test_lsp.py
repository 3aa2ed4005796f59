"""``nnlint lsp`` end to end: a real LSP client (pytest-lsp) drives the server process over stdio.

Each test starts ``python -m nnlint.cli lsp`` in a temporary workspace, opens and
edits documents, waits for the published diagnostics and applies the code
actions' edits the way an editor would, then checks the resulting text.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from nnlint.cli import main
from nnlint.diagnostic import Applicability, rule_url
from nnlint.registry import all_rules
from nnlint.testing import check_example, dedent

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
TIMEOUT = 30


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.nnlint]\nignore = []\n", encoding="utf-8")
    return tmp_path


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "nnlint.cli", "lsp"]))
async def client(lsp_client: LanguageClient, workspace: Path, request: pytest.FixtureRequest):
    """A client whose session is initialized on ``workspace``; ``request.param`` lists the position encodings it offers."""
    await asyncio.wait_for(start(lsp_client, workspace, getattr(request, "param", None)), TIMEOUT)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


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


@pytest.mark.asyncio
async def test_open_publishes_the_cli_diagnostic_with_utf16_columns_and_rule_link(client: LanguageClient, workspace: Path):
    uri = open_document(client, workspace / "train.py", BUGGY)
    (diagnostic,) = await published(client, uri, 1)
    assert diagnostic.code == "NN301" and diagnostic.source == "nnlint"
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.code_description is not None and diagnostic.code_description.href == rule_url("NN301")
    assert (diagnostic.range.start.line, diagnostic.range.start.character) == (3, START["utf-16"])
    assert (diagnostic.range.end.line, diagnostic.range.end.character) == (3, START["utf-16"] + LENGTH)
    assert "log-probabilities" in diagnostic.message


@pytest.mark.asyncio
@pytest.mark.parametrize("client", [["utf-8", "utf-16"], ["utf-32", "utf-16"]], indirect=True, ids=["utf-8", "utf-32"])
async def test_columns_follow_the_negotiated_position_encoding(client: LanguageClient, workspace: Path, request: pytest.FixtureRequest):
    encoding = request.node.callspec.params["client"][0]
    uri = open_document(client, workspace / "train.py", BUGGY)
    (diagnostic,) = await published(client, uri, 1)
    assert diagnostic.range.start.character == START[encoding]


@pytest.mark.asyncio
async def test_changes_are_debounced_and_rechecked(client: LanguageClient, workspace: Path):
    uri = open_document(client, workspace / "train.py", CLEAN)
    assert await published(client, uri, 1) == []
    waiting = asyncio.ensure_future(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS))
    for version, text in ((2, CLEAN + "\n"), (3, BUGGY + "# typing...\n"), (4, BUGGY)):
        change_document(client, uri, version, text)
    first = await asyncio.wait_for(waiting, TIMEOUT)
    assert first.version == 4, "a burst of changes is checked once, at its last version"
    assert [d.code for d in first.diagnostics] == ["NN301"]


@pytest.mark.asyncio
async def test_fix_action_edits_the_document_and_the_finding_goes_away(client: LanguageClient, workspace: Path):
    uri = open_document(client, workspace / "train.py", ASCII)
    (diagnostic,) = await published(client, uri, 1)
    actions = await actions_at(client, uri, diagnostic.range)
    fix = actions["Fix NN301: use CrossEntropyLoss (unsafe)"]
    assert fix.kind == types.CodeActionKind.QuickFix and not fix.is_preferred
    assert fix.diagnostics and fix.diagnostics[0].code == "NN301"
    assert fix.edit is not None
    fixed = apply(ASCII, fix.edit, uri)
    assert "criterion = nn.CrossEntropyLoss()" in fixed
    change_document(client, uri, 2, fixed)
    assert await published(client, uri, 2) == []


@pytest.mark.asyncio
async def test_ignore_action_adds_a_suppression_comment(client: LanguageClient, workspace: Path):
    uri = open_document(client, workspace / "train.py", ASCII)
    (diagnostic,) = await published(client, uri, 1)
    cursor = types.Range(diagnostic.range.end, diagnostic.range.end)
    ignore = (await actions_at(client, uri, cursor, only=[types.CodeActionKind.QuickFix]))["Ignore NN301 on this line"]
    assert ignore.edit is not None
    ignored = apply(ASCII, ignore.edit, uri)
    assert ignored.splitlines()[3] == "loss = criterion(model(x), y)  # nnlint: ignore[NN301]"
    change_document(client, uri, 2, ignored)
    assert await published(client, uri, 2) == []


def _example_with_safe_fix() -> tuple[str, str, str]:
    """(code, snippet, fixed snippet) of a rule example whose findings all have safe fixes."""
    for rule in all_rules():
        for example in rule.invalid:
            if example.expected_fix is None:
                continue
            found = check_example(rule, example.code)
            if found and all(d.fix is not None and d.fix.applicability is Applicability.SAFE for d in found):
                return rule.code, dedent(example.code), dedent(example.expected_fix)
    pytest.skip("no rule has an example with a safe fix")


@pytest.mark.asyncio
async def test_fix_all_safe_applies_what_fix_would(client: LanguageClient, workspace: Path):
    code, snippet, expected = _example_with_safe_fix()
    (workspace / "pyproject.toml").write_text(f'[tool.nnlint]\nselect = ["{code}"]\n', encoding="utf-8")
    uri = open_document(client, workspace / "train.py", snippet)
    assert {d.code for d in await published(client, uri, 1)} == {code}
    origin = types.Position(0, 0)
    actions = await actions_at(client, uri, types.Range(origin, origin), only=[types.CodeActionKind.Source])
    assert list(actions) == ["Fix all safe nnlint problems"]
    (fix_all,) = actions.values()
    assert fix_all.kind == "source.fixAll.nnlint" and fix_all.edit is not None
    assert apply(snippet, fix_all.edit, uri) == expected


@pytest.mark.asyncio
async def test_a_syntax_error_is_one_diagnostic(client: LanguageClient, workspace: Path):
    uri = open_document(client, workspace / "broken.py", "import torch\ndef train(:\n    pass\n")
    (diagnostic,) = await published(client, uri, 1)
    assert diagnostic.code == "NN000" and diagnostic.range.start.line == 1
    assert await actions_at(client, uri, diagnostic.range) == {}


@pytest.mark.asyncio
async def test_settings_come_from_the_workspace_pyproject_and_follow_its_edits(client: LanguageClient, workspace: Path):
    config = workspace / "pyproject.toml"
    config.write_text('[tool.nnlint]\nseverity = { NN301 = "hint" }\n', encoding="utf-8")
    uri = open_document(client, workspace / "train.py", BUGGY)
    (diagnostic,) = await published(client, uri, 1)
    assert diagnostic.severity == types.DiagnosticSeverity.Hint
    config.write_text('[tool.nnlint]\nignore = ["NN3"]\n', encoding="utf-8")
    os.utime(config, ns=(config.stat().st_atime_ns, config.stat().st_mtime_ns + 10**9))
    change_document(client, uri, 2, BUGGY + "\n")
    assert await published(client, uri, 2) == []


@pytest.mark.asyncio
async def test_saving_the_pyproject_rechecks_open_scripts(client: LanguageClient, workspace: Path):
    uri = open_document(client, workspace / "train.py", BUGGY)
    assert len(await published(client, uri, 1)) == 1
    config = workspace / "pyproject.toml"
    config.write_text('[tool.nnlint]\nignore = ["NN301"]\n', encoding="utf-8")
    os.utime(config, ns=(config.stat().st_atime_ns, config.stat().st_mtime_ns + 10**9))
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=config.as_uri())))
    assert await published(client, uri, 1) == [], "the script was checked again, at the same version, with the new settings"


@pytest.mark.asyncio
async def test_a_broken_config_is_shown_not_guessed(client: LanguageClient, workspace: Path):
    (workspace / "pyproject.toml").write_text('[tool.nnlint]\nignroe = ["NN301"]\n', encoding="utf-8")
    uri = open_document(client, workspace / "train.py", BUGGY)
    assert await published(client, uri, 1) == []
    assert any("unknown key 'ignroe'" in message.message for message in client.messages)


@pytest.mark.asyncio
async def test_the_server_never_imports_or_runs_the_users_code(client: LanguageClient, workspace: Path):
    marker = workspace / "ran.txt"
    writes_marker = f"open({str(marker)!r}, 'w').write('ran')\n"
    (workspace / "model.py").write_text(
        writes_marker + textwrap.dedent("""\
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 10)
                def forward(self, x):
                    return self.fc(x)
        """),
        encoding="utf-8",
    )
    script = writes_marker + "import torch.nn as nn\nfrom model import Net\nmodel = Net()\nloss = nn.NLLLoss()(model(x), y)\n"
    uri = open_document(client, workspace / "train.py", script)
    (diagnostic,) = await published(client, uri, 1)
    assert diagnostic.code == "NN301" and "Net.forward" in diagnostic.message, "model.py was read as text"
    assert not marker.exists()


def test_only_the_lsp_command_imports_pygls():
    probe = "import sys, nnlint.cli; nnlint.cli.build_parser(); print(sorted(m for m in ('pygls', 'lsprotocol') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def test_without_pygls_the_command_says_what_to_install(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    for name in [name for name in sys.modules if name.startswith(("nnlint.lsp.", "pygls"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pygls", None)
    assert main(["lsp"]) == 2
    assert "pip install 'nnlint[lsp]'" in capsys.readouterr().err
