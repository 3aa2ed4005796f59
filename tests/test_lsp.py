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
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_support import ASCII, BUGGY, CLEAN, LENGTH, START, TIMEOUT, actions_at, apply, change_document, open_document, published, start

from nnlint.cli import main
from nnlint.diagnostic import Applicability, rule_url
from nnlint.registry import all_rules
from nnlint.testing import check_example, dedent


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
async def test_the_path_that_led_to_a_finding_is_its_related_information(client: LanguageClient, workspace: Path):
    text = "import torch.nn as nn\nimport torch.nn.functional as F\nhead = nn.Linear(20, 1)\nloss = F.cross_entropy(head(x), y)\n"
    uri = open_document(client, workspace / "train.py", text)
    (diagnostic,) = await published(client, uri, 1)
    assert diagnostic.code == "NN305"
    (related,) = diagnostic.related_information or []
    assert related.location.uri == uri and related.location.range.start == types.Position(2, 7)
    assert related.message == "the scores come from nn.Linear with one output, built here"


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


def test_the_server_starts_without_the_engine():
    """Checking happens in the checking process and fixes are applied on first use: the server's own start-up imports no LibCST."""
    probe = "import sys, nnlint.lsp.server; print(sorted(m for m in ('libcst', 'nnlint.engine', 'nnlint.lsp.actions') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
