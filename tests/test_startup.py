"""Start-up: a check imports only what it uses (issue "Instant where users wait").

Each probe runs in a fresh interpreter and lists ``sys.modules`` afterwards, so what is
asserted is which modules a run loaded, never how long it took.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nnlint import cli

TRAIN = "import torch\nmodel = torch.nn.Linear(3, 5)\nloss = torch.nn.NLLLoss()(model(x), y)\n"


def modules_after(code: str, cwd: Path) -> set[str]:
    probe = f"import sys\n{textwrap.dedent(code)}\nprint('\\n'.join(sorted(sys.modules)))\n"
    done = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=120, check=True)
    return set(done.stdout.split())


def run_main(*arguments: str) -> str:
    return f"import contextlib, io\nfrom nnlint.cli import main\nwith contextlib.redirect_stdout(io.StringIO()):\n    main({list(arguments)!r})\n"


@pytest.mark.slow
def test_checking_a_py_file_imports_no_other_command(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(TRAIN, encoding="utf-8")
    loaded = modules_after(run_main("--no-cache", "train.py"), tmp_path)
    assert "nnlint.engine" in loaded  # the probe did check the file
    other_commands = ("nnlint.doctor", "nnlint.trace", "nnlint.lsp", "nnlint.commands.lsp", "nnlint.commands.rules", "pygls", "asyncio")
    assert sorted(m for m in loaded if m.startswith(other_commands)) == []


def test_only_the_used_commands_parser_is_built() -> None:
    parser = cli.build_parser("clean")
    subcommands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(subcommands) == set(cli.COMMANDS)
    assert "--cache-dir" in subcommands["clean"].format_help()
    assert "--select" not in subcommands["check"].format_help()  # a stub: check's options were never built


def test_a_missing_dependency_inside_a_command_is_raised_not_read_as_an_unknown_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nnlint.commands.clean", None)  # importing it raises ModuleNotFoundError
    with pytest.raises(ModuleNotFoundError):
        cli.main(["clean"])
