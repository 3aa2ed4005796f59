"""The ``nnlint`` command end to end: exit codes, formats, selection, inputs good and bad.

Most tests run ``nnlint.cli.main`` in-process (``capsys``); the ones about
start-up, stdin bytes, side effects and tracebacks run it as a real process.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnlint import engine
from nnlint.catalog import all_docs
from nnlint.cli import main
from nnlint.discovery import SKIPPED_DIRECTORIES, discover
from nnlint.rules.implementation.nll_loss_without_log_softmax import (
    NLLLossWithoutLogSoftmax,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "check"

BUGGY = """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
criterion = nn.NLLLoss()
loss = criterion(model(x), y)
"""
BUGGY_LINE = "a.py:4:8: NN301 error NLLLoss gets raw logits (the output of nn.Linear); it expects log-probabilities"
CLEAN = """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(784, 10), nn.LogSoftmax(dim=1))
loss = nn.NLLLoss()(model(x), y)
"""


def nnlint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def nnlint_process(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "PYTHONPATH")}
    env["NO_COLOR"] = "1"
    completed = subprocess.run(
        [sys.executable, "-m", "nnlint.cli", *args], cwd=cwd, input=stdin, capture_output=True, env=env, timeout=120, check=False
    )
    return subprocess.CompletedProcess(completed.args, completed.returncode,
                                       completed.stdout.decode("utf-8", "replace"), completed.stderr.decode("utf-8", "replace"))


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory with no pyproject.toml above it that configures nnlint."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def error_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("error:")]


# --- exit codes ----------------------------------------------------------------------------------

def test_clean_file_exits_0(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", CLEAN)
    assert nnlint(capsys, "a.py") == (0, "All checks passed!\n", "")


def test_findings_exit_1_with_one_concise_line_each(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", BUGGY)
    code, out, err = nnlint(capsys, "--format", "concise", "a.py")
    assert (code, err) == (1, "")
    assert out.splitlines() == [BUGGY_LINE, "Found 1 problem (0 fixable; 1 more with --unsafe-fixes)."]


def test_check_subcommand_is_the_default(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", BUGGY)
    assert nnlint(capsys, "check", "--format", "concise", "a.py") == nnlint(capsys, "--format", "concise", "a.py")


def test_exit_zero_keeps_the_report(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", BUGGY)
    code, out, _ = nnlint(capsys, "--exit-zero", "--format", "concise", "a.py")
    assert code == 0
    assert BUGGY_LINE in out


def test_exit_zero_does_not_hide_files_that_could_not_be_checked(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = nnlint(capsys, "--exit-zero", "missing.py")
    assert code == 2


def test_missing_path_exits_2_with_one_line(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = nnlint(capsys, "--format", "concise", "missing.py")
    assert code == 2
    assert error_lines(out) == ["error: missing.py: no such file or directory"]
    assert "Traceback" not in out + err


def test_other_files_are_still_checked_next_to_a_missing_one(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", BUGGY)
    code, out, _ = nnlint(capsys, "--format", "concise", "missing.py", "a.py")
    assert code == 2
    assert BUGGY_LINE in out.splitlines()
    assert error_lines(out) == ["error: missing.py: no such file or directory"]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        pytest.param(b"import torch\x00\nx = 1\n", "binary file", id="nul-bytes"),
        pytest.param("import torch\nname = 'café'\n".encode("latin-1"), "cannot decode", id="latin-1-without-cookie"),
        pytest.param(b"# -*- coding: klingon -*-\nimport torch\n", "cannot decode", id="unknown-coding-cookie"),
    ],
)
def test_undecodable_files_exit_2_with_one_line(work: Path, capsys: pytest.CaptureFixture[str], content: bytes, says: str) -> None:
    write(work / "bad.py", content)
    code, out, err = nnlint(capsys, "--format", "concise", "bad.py")
    assert code == 2
    [line] = error_lines(out)
    assert line.startswith("error: bad.py: ") and says in line
    assert "Traceback" not in out + err


def test_latin_1_with_a_coding_cookie_is_checked(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", ("# -*- coding: latin-1 -*-\n# café\n" + BUGGY).encode("latin-1"))
    code, out, _ = nnlint(capsys, "--format", "concise", "a.py")
    assert code == 1
    assert out.splitlines()[0].startswith("a.py:6:8: NN301 ")


def test_syntax_error_is_an_nn000_diagnostic(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", "import torch\nx = 1 2\n")
    code, out, err = nnlint(capsys, "--format", "concise", "a.py")
    assert (code, err) == (1, "")
    [line] = [line for line in out.splitlines() if "NN000" in line]
    assert line.startswith("a.py:2:")
    assert "SyntaxError" in line


def test_syntax_error_is_reported_at_the_error_column(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", "import torch\nx = 1 2\n")
    _, out, _ = nnlint(capsys, "--format", "concise", "a.py")
    assert out.startswith("a.py:2:7: NN000 ")


def test_empty_file_is_clean(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "empty.py", "")
    assert nnlint(capsys, "empty.py") == (0, "All checks passed!\n", "")


def test_bom_and_crlf_keep_positions(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", b"\xef\xbb\xbf" + BUGGY.replace("\n", "\r\n").encode("utf-8"))
    code, out, _ = nnlint(capsys, "--format", "concise", "a.py")
    assert code == 1
    assert out.splitlines()[0] == BUGGY_LINE
    code, out, _ = nnlint(capsys, "--format", "json", "a.py")
    [diagnostic] = json.loads(out)["files"][0]["diagnostics"]
    assert diagnostic["range"] == {"start": {"line": 3, "character": 7}, "end": {"line": 3, "character": 29}}


def test_directory_without_python_files_exits_2_with_one_line(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "data" / "notes.txt", "import torch\n")
    code, out, err = nnlint(capsys, "--format", "concise", "data")
    assert (code, err) == (2, "")
    assert error_lines(out) == ["error: data: no Python files found"]


def test_unreadable_file_in_a_directory_is_one_line_and_the_rest_is_checked(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(work / "src" / "a.py", BUGGY)
    secret = write(work / "src" / "secret.py", BUGGY)
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == secret.name:
            raise PermissionError(13, "Permission denied")
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    code, out, err = nnlint(capsys, "-j", "1", "--format", "concise", "src")
    assert code == 2
    assert error_lines(out) == [f"error: {os.path.join('src', 'secret.py')}: cannot read (Permission denied)"]
    assert f"{os.path.join('src', 'a.py')}:4:8: NN301" in out
    assert "Traceback" not in out + err


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_file_on_disk(tmp_path: Path) -> None:
    secret = write(tmp_path / "src" / "secret.py", BUGGY)
    secret.chmod(0)
    try:
        result = nnlint_process("--format", "concise", "src", cwd=tmp_path)
    finally:
        secret.chmod(0o644)
    assert result.returncode == 2
    assert "cannot read" in result.stdout and "Traceback" not in result.stderr


def test_broken_symlink_in_a_directory(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "src" / "a.py", BUGGY)
    os.symlink(work / "nowhere.py", work / "src" / "gone.py")
    code, out, err = nnlint(capsys, "-j", "1", "--format", "concise", "src")
    assert (code, err) == (2, "")
    assert error_lines(out) == [f"error: {os.path.join('src', 'gone.py')}: no such file"]
    assert f"{os.path.join('src', 'a.py')}:4:8: NN301" in out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_in_a_directory_is_not_read(tmp_path: Path) -> None:
    write(tmp_path / "src" / "a.py", BUGGY)
    os.mkfifo(tmp_path / "src" / "pipe.py")
    assert discover([str(tmp_path / "src")]).files == [str(tmp_path / "src" / "a.py")]


def test_a_named_pipe_given_explicitly_is_refused(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs named pipes")
    os.mkfifo(work / "pipe.py")
    code, out, _ = nnlint(capsys, "--format", "concise", "pipe.py")
    assert code == 2
    assert error_lines(out) == ["error: pipe.py: not a regular file or directory"]


# --- formats -------------------------------------------------------------------------------------

def test_full_format_shows_frame_checklist_and_help(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", BUGGY)
    code, out, _ = nnlint(capsys, "--format", "full", "a.py")
    assert code == 1
    assert out.startswith("a.py:4:8: NN301 error [nll-loss-without-log-softmax] NLLLoss gets raw logits")
    assert "4 | loss = criterion(model(x), y)" in out
    assert "  |        ^^^^^^^^^^^^^^^^^^^^^^\n" in out
    assert "checklist: item 19 (Loss input conventions)" in out
    assert "Found 1 problem" in out
    assert "\x1b[" not in out  # not a TTY: no colour


def test_full_is_the_default_format(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", BUGGY)
    assert nnlint(capsys, "a.py") == nnlint(capsys, "--format", "full", "a.py")


def test_full_format_advertises_only_flags_that_exist(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", BUGGY)
    _, out, _ = nnlint(capsys, "a.py")
    try:
        code = main(["--fix", "a.py"])
    except SystemExit as exit_info:  # argparse: unrecognized arguments
        code = int(exit_info.code or 0)
    capsys.readouterr()
    assert "--fix" not in out or code != 2


def test_json_format_is_lsp_shaped(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", BUGGY)
    write(work / "ok.py", CLEAN)
    code, out, _ = nnlint(capsys, "-j", "1", "--format", "json", ".")
    assert code == 1
    report = json.loads(out)
    assert report["errors"] == [] and report["summary"] == {"problems": 1, "fixable": 1}
    [file] = report["files"]
    assert file["uri"] == (work / "a.py").resolve().as_uri()
    [diagnostic] = file["diagnostics"]
    assert diagnostic["code"] == "NN301" and diagnostic["source"] == "nnlint" and diagnostic["severity"] == 1
    assert diagnostic["range"]["start"] == {"line": 3, "character": 7}
    assert diagnostic["codeDescription"]["href"].endswith("rules/NN301.md")
    assert diagnostic["data"]["checklist"] == [19]


def test_json_format_carries_errors_and_stays_json(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = nnlint(capsys, "--format", "json", "missing.py")
    assert (code, err) == (2, "")
    assert json.loads(out)["errors"] == ["missing.py: no such file or directory"]


def test_unknown_format_is_a_usage_error(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--format", "xml", "a.py"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# --- selection -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("flags", "reported"),
    [
        pytest.param([], True, id="defaults"),
        pytest.param(["--select", "NN301"], True, id="select-code"),
        pytest.param(["--select", "NN3"], True, id="select-prefix"),
        pytest.param(["--select", "ALL"], True, id="select-all"),
        pytest.param(["--select", "nn301"], True, id="select-lowercase"),
        pytest.param(["--ignore", "NN301"], False, id="ignore-code"),
        pytest.param(["--ignore", "NN3"], False, id="ignore-prefix"),
        pytest.param(["--ignore", "nn3"], False, id="ignore-lowercase"),
        pytest.param(["--ignore", "ALL"], False, id="ignore-all"),
        pytest.param(["--select", "ALL", "--ignore", "NN3"], False, id="all-minus-family"),
        pytest.param(["--select", "ALL", "--ignore", "NN3", "--extend-select", "NN301"], True, id="more-specific-wins"),
        pytest.param(["--select", "NN301", "--ignore", "NN301"], False, id="ignore-beats-equal-select"),
        pytest.param(["--ignore", "NN3", "--extend-select", "NN301"], True, id="extend-select-code-beats-ignored-prefix"),
    ],
)
def test_select_ignore_extend_select(work: Path, capsys: pytest.CaptureFixture[str], flags: list[str], reported: bool) -> None:
    write(work / "a.py", BUGGY)
    code, out, _ = nnlint(capsys, "--format", "concise", *flags, "a.py")
    assert (code, BUGGY_LINE in out) == ((1, True) if reported else (0, False))


def test_select_of_another_family_does_not_enable_nn301(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", BUGGY)
    assert nnlint(capsys, "--format", "concise", "--select", "NN4", "a.py") == (0, "All checks passed!\n", "")


@pytest.mark.parametrize("flag", ["--select", "--ignore", "--extend-select"])
@pytest.mark.parametrize("value", ["NN999", "XX", "NN301,BOGUS1"])
def test_unknown_codes_are_one_line_usage_errors(work: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str) -> None:
    write(work / "a.py", BUGGY)
    code, out, err = nnlint(capsys, flag, value, "a.py")
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith("nnlint: unknown rule code or prefix: ")
    assert value.split(",")[-1] in line


# --- rules and rule ------------------------------------------------------------------------------

def test_rule_page_by_code_and_by_name(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = nnlint(capsys, "rule", "NN301")
    assert (code, err) == (0, "")
    assert "nll-loss-without-log-softmax" in out and "Why is this bad?" in out and "Use instead" in out
    assert nnlint(capsys, "rule", "nll-loss-without-log-softmax")[1] == out
    assert nnlint(capsys, "rule", "nn301")[1] == out


def test_rule_page_for_an_unknown_code(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = nnlint(capsys, "rule", "NN999")
    assert (code, out) == (2, "")
    assert err.splitlines() == ["nnlint: unknown rule 'NN999' (see 'nnlint rules')"]


def test_rules_table_lists_every_code(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = nnlint(capsys, "rules")
    assert code == 0
    for doc in all_docs():
        assert doc.code in out


def test_rules_table_piped_is_one_unwrapped_row_per_rule(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Piped (not a terminal), names are never split mid-word at 80 columns: one tab-separated row a rule."""
    code, out, _ = nnlint(capsys, "rules")
    rows = [line.split("\t") for line in out.splitlines()]
    docs = all_docs()
    assert code == 0 and len(rows) == len(docs)
    assert [(row[0], row[1], row[-1]) for row in rows] == [(doc.code, doc.name, doc.summary) for doc in docs]


def test_rules_json(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = nnlint(capsys, "rules", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [row["code"] for row in rows] == [doc.code for doc in all_docs()]
    nn301 = next(row for row in rows if row["code"] == "NN301")
    assert nn301 == {**nn301, "name": "nll-loss-without-log-softmax", "checklist": [19], "source": "check", "fixable": True, "default": True}


# --- stdin ---------------------------------------------------------------------------------------

def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_stdin(work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, BUGGY.encode())
    code, out, _ = nnlint(capsys, "--format", "concise", "-")
    assert code == 1
    assert out.splitlines()[0] == BUGGY_LINE.replace("a.py", "<stdin>", 1)


def test_stdin_filename_names_the_file_and_finds_its_project(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor sends the buffer of project/train.py: model.py next to it says Net returns logits."""
    monkeypatch.chdir(FIXTURES)
    _stdin(monkeypatch, (FIXTURES / "project" / "train.py").read_bytes())
    code, out, _ = nnlint(capsys, "--format", "concise", "--stdin-filename", "project/train.py", "-")
    assert code == 1
    assert out.splitlines()[0].startswith("project/train.py:17:16: NN301 ")


def test_stdin_filename_gets_per_file_ignores(work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(work / "pyproject.toml", '[tool.nnlint.per-file-ignores]\n"scripts/*.py" = ["NN301"]\n')
    _stdin(monkeypatch, BUGGY.encode())
    assert nnlint(capsys, "--format", "concise", "--stdin-filename", "scripts/a.py", "-")[0] == 0
    _stdin(monkeypatch, BUGGY.encode())
    assert nnlint(capsys, "--format", "concise", "--stdin-filename", "other/a.py", "-")[0] == 1


def test_stdin_as_a_process(tmp_path: Path) -> None:
    result = nnlint_process("--format", "concise", "--stdin-filename", "a.py", "-", cwd=tmp_path, stdin=BUGGY.encode())
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.splitlines()[0] == BUGGY_LINE


@pytest.mark.parametrize("data", [b"\x00\x01\x02", "import torch # café\n".encode("latin-1")], ids=["binary", "latin-1"])
def test_bad_stdin_is_one_line(tmp_path: Path, data: bytes) -> None:
    result = nnlint_process("--format", "concise", "-", cwd=tmp_path, stdin=data)
    assert result.returncode == 2
    assert len([line for line in result.stdout.splitlines() if line.startswith("error: <stdin>: ")]) == 1
    assert "Traceback" not in result.stderr


# --- directories, globs, skipped folders -------------------------------------------------------

def _tree(root: Path) -> None:
    write(root / "proj" / "train.py", BUGGY)
    write(root / "proj" / "pkg" / "deep" / "model.py", BUGGY)
    for skipped in (".git", ".venv", "venv", "build", "dist", "__pycache__", "node_modules", "nnlint.egg-info"):
        write(root / "proj" / skipped / "vendored.py", BUGGY)


def _paths(out: str) -> list[str]:
    return [line.split(":", 1)[0] for line in out.splitlines() if ": NN" in line]


def test_directories_recurse_and_skip_non_source_folders(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _tree(work)
    code, out, _ = nnlint(capsys, "-j", "1", "--format", "concise", "proj")
    assert code == 1
    assert _paths(out) == [os.path.join("proj", "pkg", "deep", "model.py"), os.path.join("proj", "train.py")]
    assert {".git", ".venv", "venv", "build", "dist", "__pycache__", "node_modules"} <= SKIPPED_DIRECTORIES


def test_a_file_in_a_skipped_folder_named_explicitly_is_checked(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _tree(work)
    code, out, _ = nnlint(capsys, "--format", "concise", "proj/build/vendored.py")
    assert code == 1 and _paths(out) == ["proj/build/vendored.py"]


def test_globs(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _tree(work)
    code, out, _ = nnlint(capsys, "-j", "1", "--format", "concise", "proj/*.py")
    assert (code, _paths(out)) == (1, ["proj/train.py"])
    code, out, _ = nnlint(capsys, "-j", "1", "--format", "concise", "proj/pkg/**/*.py")
    assert (code, _paths(out)) == (1, ["proj/pkg/deep/model.py"])


def test_a_glob_matching_nothing_exits_2(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = nnlint(capsys, "--format", "concise", "nothing/*.py")
    assert code == 2
    assert error_lines(out) == ["error: nothing/*.py: no Python files match"]


def test_recursive_globs_skip_non_source_folders(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _tree(work)
    _, out, _ = nnlint(capsys, "-j", "1", "--format", "concise", "proj/**/*.py")
    assert _paths(out) == ["proj/pkg/deep/model.py", "proj/train.py"]


def test_each_file_is_reported_once(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "proj" / "a.py", BUGGY)
    _, out, _ = nnlint(capsys, "-j", "1", "--format", "concise", "proj", "proj/a.py", "proj/*.py")
    assert len(_paths(out)) == 1


# --- determinism ---------------------------------------------------------------------------------

def test_same_output_with_one_or_two_jobs(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(FIXTURES, work / "fixtures")
    for index in range(4):
        write(work / "extra" / f"f{index}.py", BUGGY + "\n" * index + "loss2 = criterion(model(x), y)\n")
    write(work / "extra" / "bad.py", b"import torch\x00")
    write(work / "extra" / "syntax.py", "import torch\ndef f(:\n")
    for fmt in ("concise", "json", "full"):
        one = nnlint(capsys, "-j", "1", "--select", "ALL", "--format", fmt, "fixtures", "extra")
        two = nnlint(capsys, "-j", "2", "--select", "ALL", "--format", fmt, "fixtures", "extra")
        assert one == two, fmt
        assert one[0] == 2  # bad.py could not be checked
    _, concise, _ = nnlint(capsys, "-j", "2", "--format", "concise", "fixtures", "extra")
    found = [line for line in concise.splitlines() if ": NN" in line]
    keys = [(path, int(line), int(column)) for path, line, column, _ in (row.split(":", 3) for row in found)]
    assert keys == sorted(keys)
    assert len({path for path, _, _ in keys}) >= 6  # several files really were checked


def test_negative_jobs_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    write(tmp_path / "a.py", BUGGY)
    write(tmp_path / "b.py", BUGGY)
    result = nnlint_process("-j", "-1", "a.py", "b.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


# --- no tracebacks -------------------------------------------------------------------------------

BAD_INPUTS = {
    "nul.py": b"import torch\x00\n",
    "latin1.py": "import torch\n# café\n".encode("latin-1"),
    "empty.py": b"",
    "bom.py": b"\xef\xbb\xbf" + BUGGY.encode(),
    "crlf.py": BUGGY.replace("\n", "\r\n").encode(),
    "syntax.py": b"import torch\ndef f(:\n",
    "deep.py": b"import torch\nx = " + b"(" * 150 + b"1" + b")" * 150 + b"\n",
    "lone_surrogate_escape.py": b"import torch\ns = '\\udc80'\n",
    "cr_only.py": BUGGY.replace("\n", "\r").encode(),
    "tabs.py": b"import torch\nif True:\n\tx = 1\n        y = 2\n",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_no_traceback_for_bad_input(tmp_path: Path, name: str) -> None:
    write(tmp_path / "src" / name, BAD_INPUTS[name])
    write(tmp_path / "src" / "good.py", BUGGY)
    for args in ([f"src/{name}"], ["src"]):
        result = nnlint_process("--format", "concise", *args, cwd=tmp_path)
        assert result.returncode in (0, 1, 2), result.stderr
        assert "Traceback" not in result.stderr + result.stdout
        assert result.stderr == ""
        if args == ["src"]:
            assert "src/good.py:4:8: NN301" in result.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_deeply_nested_brackets_are_one_file_error_not_a_crash(tmp_path: Path, jobs: str) -> None:
    write(tmp_path / "src" / "deep.py", b"import torch\nx = " + b"(" * 2000 + b"1" + b")" * 2000 + b"\n")
    write(tmp_path / "src" / "good.py", BUGGY)
    result = nnlint_process("-j", jobs, "--format", "concise", "src", cwd=tmp_path)
    assert result.returncode in (1, 2)
    assert "src/good.py:4:8: NN301" in result.stdout
    assert "deep.py" in result.stdout
    assert "Traceback" not in result.stderr


# --- a crash inside one rule ---------------------------------------------------------------------

def test_a_rule_crash_is_an_error_for_that_file_only(work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    original = NLLLossWithoutLogSoftmax.visit_Call

    def visit_call(self: NLLLossWithoutLogSoftmax, node: object) -> None:
        if "CRASH HERE" in self.context.text:
            raise RuntimeError("boom")
        original(self, node)  # type: ignore[arg-type]

    monkeypatch.setattr(NLLLossWithoutLogSoftmax, "visit_Call", visit_call)
    write(work / "crash.py", BUGGY + "# CRASH HERE\n")
    write(work / "fine.py", BUGGY)
    code, out, err = nnlint(capsys, "-j", "1", "--format", "concise", "crash.py", "fine.py")
    assert code == 2
    assert error_lines(out) == ["error: crash.py: internal error in rule NN301 (RuntimeError: boom); other rules still ran"]
    assert "fine.py:4:8: NN301 " in out
    assert "crash.py:4" not in out
    assert "Traceback" not in out + err


def test_an_engine_crash_on_one_file_leaves_the_others_checked(work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    original = engine.check_text

    def check_text(text: str, shown_as: str, *args: object, **kwargs: object) -> engine.FileResult:
        if shown_as.endswith("crash.py"):
            raise KeyError("no such node")
        return original(text, shown_as, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "check_text", check_text)
    write(work / "crash.py", BUGGY)
    write(work / "fine.py", BUGGY)
    code, out, _ = nnlint(capsys, "-j", "1", "--format", "concise", "crash.py", "fine.py")
    assert code == 2
    [line] = error_lines(out)
    assert line.startswith("error: crash.py: internal error (KeyError:")
    assert "fine.py:4:8: NN301 " in out


# --- never running the user's code, never importing torch ---------------------------------------

def test_the_side_effect_fixture_would_create_its_marker_if_imported(tmp_path: Path) -> None:
    """So that the next test can fail: importing the fixture does create the marker."""
    shutil.copy(FIXTURES / "imports_side_effect.py", tmp_path)
    subprocess.run([sys.executable, "-c", "import imports_side_effect"], cwd=tmp_path, capture_output=True, timeout=120, check=False)
    assert (tmp_path / "SIDE_EFFECT_MARKER").exists()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_checking_never_imports_the_checked_code(tmp_path: Path, jobs: str) -> None:
    shutil.copy(FIXTURES / "imports_side_effect.py", tmp_path)
    write(tmp_path / "train.py", "import torch.nn.functional as F\nfrom imports_side_effect import model\n"
                                 "loss = F.nll_loss(model(x), y)\n")
    result = nnlint_process("-j", jobs, "--format", "concise", "imports_side_effect.py", "train.py", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "imports_side_effect.py:20:12: NN301" in result.stdout
    assert not (tmp_path / "SIDE_EFFECT_MARKER").exists()
    result = nnlint_process("--format", "concise", str(FIXTURES / "imports_side_effect.py"), cwd=tmp_path)
    assert result.returncode == 1
    assert not (tmp_path / "SIDE_EFFECT_MARKER").exists()
    assert not (FIXTURES / "SIDE_EFFECT_MARKER").exists()


def _modules_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))\n"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    return {name.split(".")[0] for name in result.stdout.split()}


def test_import_nnlint_cli_imports_no_torch_or_networkx() -> None:
    assert not {"torch", "networkx"} & _modules_after("import nnlint.cli")


def test_a_whole_check_imports_no_torch_or_networkx() -> None:
    """Checking files, listing rules and showing a page (trace and doctor codes included) stay torch-free."""
    code = (
        "import contextlib, io\n"
        "from nnlint.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['-j', '1', '--select', 'ALL', '--format', 'json', {str(FIXTURES)!r}])\n"
        "    main(['rules', '--format', 'json'])\n"
        "    main(['rule', 'NN301'])\n"
    )
    assert not {"torch", "networkx"} & _modules_after(code)
