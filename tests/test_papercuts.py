"""Papercuts a new user hit (issue 16): what the summary promises, severity in plain text, ruff's conveniences."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from nnlint.cli import main
from nnlint.diagnostic import Applicability, Diagnostic, Edit, Fix, Range, Severity
from nnlint.reporters import write_report

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"


def finding(code: str, applicability: Applicability | None, severity: Severity = Severity.WARNING) -> Diagnostic:
    fix = None if applicability is None else Fix("fix it", (Edit(Range.of(0, 0, 0, 1), "y"),), applicability)
    return Diagnostic(code, "some-rule", "a message", "train.py", Range.of(0, 0, 0, 1), severity=severity, fix=fix)


def render(fmt: str, diagnostics: list[Diagnostic]) -> str:
    out = io.StringIO()
    write_report(diagnostics, fmt, out, sources={"train.py": "x = 1\n"}, color=False)
    return out.getvalue()


def nnlint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- "N fixable" counts only what --fix applies --------------------------------------------------

MIXED = [finding("NN101", Applicability.UNSAFE), finding("NN102", Applicability.UNSAFE), finding("NN103", Applicability.SAFE),
         finding("NN104", Applicability.DISPLAY_ONLY), finding("NN105", None)]


def test_full_summary_counts_safe_fixes_and_names_the_unsafe_ones():
    assert "Found 5 problems (1 fixable with --fix; 2 more with --unsafe-fixes)." in render("full", MIXED)


def test_concise_summary_counts_safe_fixes_and_names_the_unsafe_ones():
    assert render("concise", MIXED).splitlines()[-1] == "Found 5 problems (1 fixable; 2 more with --unsafe-fixes)."


def test_only_unsafe_fixes_are_not_fixable():
    assert render("concise", MIXED[:2]).splitlines()[-1] == "Found 2 problems (0 fixable; 2 more with --unsafe-fixes)."


def test_demo_does_not_promise_fixes_that_fix_changes_nothing(capsys):
    code, out, _ = nnlint(capsys, str(DEMO), "--no-cache", "--format", "concise")
    assert code == 1
    assert out.splitlines()[-1] == "Found 4 problems (0 fixable; 3 more with --unsafe-fixes)."


def test_diff_with_only_unsafe_fixes_says_how_to_see_them(capsys):
    """An empty diff with exit 0 read as "nothing to fix" on the demo, whose three fixes are all unsafe."""
    code, out, err = nnlint(capsys, str(DEMO), "--no-cache", "--diff")
    assert (code, out) == (0, "")
    assert err.splitlines() == ["nnlint: no safe fixes to show; 3 more with --unsafe-fixes"]
    code, out, err = nnlint(capsys, str(DEMO), "--no-cache", "--diff", "--unsafe-fixes")
    assert code == 1 and out.startswith("--- ") and "unsafe-fixes" not in err


# --- severity is printed, not only coloured -------------------------------------------------------

def test_concise_prints_the_severity_after_the_code():
    lines = render("concise", [finding("NN101", None, Severity.ERROR), finding("NN102", None, Severity.INFO)]).splitlines()
    assert lines[:2] == ["train.py:1:1: NN101 error a message", "train.py:1:1: NN102 info a message"]


def test_full_header_prints_the_severity_after_the_code():
    assert render("full", [finding("NN101", None, Severity.WARNING)]).startswith("train.py:1:1: NN101 warning [some-rule] a message\n")


# --- NN001: suppressions that hide nothing, or name codes nnlint does not have ---------------------

from nnlint.config import Settings  # noqa: E402 - grouped with the tests that use it
from nnlint.engine import check_text  # noqa: E402
from nnlint.testing import apply_fixes  # noqa: E402

HEAD = "import torch.nn as nn\nmodel = nn.Linear(784, 10)\n"
BUG = "loss = nn.NLLLoss()(model(x), y)"  # NN301 fires here
CLEAN = "loss = nn.CrossEntropyLoss()(model(x), y)"


def check(text: str) -> list[Diagnostic]:
    return check_text(text, "train.py", Settings()).diagnostics


@pytest.mark.parametrize(("line", "message", "fixed"), [
    (f"{CLEAN}  # noqa: NN302", "unused: NN302", CLEAN),
    (f"{CLEAN}  # noqa: E501, NN302", "unused: NN302", f"{CLEAN}  # noqa: E501"),
    (f"{BUG}  # noqa: NN301, NN302", "unused: NN302", f"{BUG}  # noqa: NN301"),
    (f"{BUG}  # nnlint: ignore[NN301, NN999]", "unknown: NN999", f"{BUG}  # nnlint: ignore[NN301]"),
    (f"{CLEAN}  # nnlint: ignore[NN999]", "unknown: NN999", CLEAN),
    (f"{CLEAN}  # type: ignore  # noqa: NN302", "unused: NN302", f"{CLEAN}  # type: ignore"),
])
def test_a_suppression_that_hides_nothing_is_reported_and_fixed(line: str, message: str, fixed: str) -> None:
    text = HEAD + line + "\n"
    found = [d for d in check(text) if d.code == "NN001"]
    assert [(d.line, d.message) for d in found] == [(2, f"this suppression hides nothing ({message})")]
    assert apply_fixes(text, found, unsafe=False) == HEAD + fixed + "\n"
    assert not [d for d in check(HEAD + fixed + "\n") if d.code == "NN001"]  # fixing twice changes nothing


@pytest.mark.parametrize("line", [
    f"{BUG}  # noqa: NN301",
    f"{BUG}  # nnlint: ignore[NN3]",
    f"{CLEAN}  # noqa: E501",
    f"{CLEAN}  # noqa",
    f"{CLEAN}  # noqa: NT101",
])
def test_a_suppression_that_hides_something_or_is_not_ours_is_silent(line: str) -> None:
    assert check(HEAD + line + "\n") == []


def test_a_code_whose_rule_did_not_run_is_not_judged() -> None:
    text = HEAD + f"{CLEAN}  # noqa: NN302\n"
    assert check_text(text, "train.py", Settings(select=("NN001", "NN301"))).diagnostics == []


def test_fix_removes_an_unused_suppression_from_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(HEAD + f"{CLEAN}  # noqa: E501, NN302\n", encoding="utf-8")
    code, out, _ = nnlint(capsys, "train.py", "--fix", "--no-cache")
    assert (tmp_path / "train.py").read_text(encoding="utf-8") == HEAD + f"{CLEAN}  # noqa: E501\n"
    assert code == 0 and "Fixed 1 problem" in out


# --- the conveniences ruff and mypy users reach for -----------------------------------------------

BUGGY = HEAD + BUG + "\n"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    (tmp_path / "a.py").write_text(BUGGY, encoding="utf-8")
    (tmp_path / "b.py").write_text(BUGGY, encoding="utf-8")
    return tmp_path


def test_statistics_prints_counts_per_code_only(work: Path, capsys) -> None:
    code, out, _ = nnlint(capsys, "--statistics", "--no-cache", ".")
    assert code == 1
    assert out.splitlines() == ["2  NN301  nll-loss-without-log-softmax", "Found 2 problems (0 fixable; 2 more with --unsafe-fixes)."]


def test_output_file_gets_the_report_and_stdout_stays_empty(work: Path, capsys) -> None:
    code, out, _ = nnlint(capsys, "--format", "concise", "--output-file", "report.txt", "--no-cache", "a.py")
    assert (code, out) == (1, "")
    assert (work / "report.txt").read_text(encoding="utf-8").startswith("a.py:3:8: NN301 error ")


def test_output_file_in_a_missing_directory_is_one_line(work: Path, capsys) -> None:
    code, out, err = nnlint(capsys, "--output-file", "missing/report.txt", "--no-cache", "a.py")
    assert code == 2 and err.startswith("nnlint: missing/report.txt: ") and len(err.splitlines()) == 1


def test_quiet_prints_the_findings_and_nothing_else(work: Path, capsys) -> None:
    code, out, _ = nnlint(capsys, "-q", "--format", "concise", "--no-cache", "a.py")
    assert code == 1 and [line.split(": ")[1] for line in out.splitlines()] == ["NN301 error NLLLoss gets raw logits (the output of nn.Linear); it expects log-probabilities"]
    (work / "a.py").write_text(HEAD, encoding="utf-8")
    assert nnlint(capsys, "--quiet", "--no-cache", "a.py") == (0, "", "")


def test_show_files_lists_what_would_be_checked(work: Path, capsys) -> None:
    (work / "notes.txt").write_text("x", encoding="utf-8")
    assert nnlint(capsys, "--show-files", ".") == (0, "./a.py\n./b.py\n", "")  # as findings name them


def test_show_settings_says_which_config_and_rules(work: Path, capsys) -> None:
    (work / "pyproject.toml").write_text('[tool.nnlint]\nignore = ["NN402"]\n', encoding="utf-8")
    code, out, _ = nnlint(capsys, "--show-settings", "a.py")
    assert code == 0
    assert f"config: {work / 'pyproject.toml'}" in out.splitlines()
    assert "ignore: NN402" in out.splitlines()
    assert "NN301" in out and "NN402" not in out.split("enabled rules:")[1]


def test_an_unknown_option_shows_the_check_usage(work: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--bogus", "a.py"])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.startswith("usage: nnlint check ") and "unrecognized arguments: --bogus" in err


# --- the README says what is true ------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_does_not_ask_to_add_what_the_hook_already_has() -> None:
    hook = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "types_or: [python, jupyter]" in hook
    assert "add `types_or: [python, jupyter]`" not in README


def test_readme_shows_the_demo_finding_as_the_demo_prints_it(capsys) -> None:
    _, out, _ = nnlint(capsys, str(DEMO / "train.py"), "--no-cache", "--color", "never")
    shown = next(line for line in README.splitlines() if line.startswith("examples/demo/train.py:57:20: NN301"))
    assert shown.replace("examples/demo/train.py", str(DEMO / "train.py")) in out.splitlines()


def test_readme_says_how_to_get_the_cpu_torch_without_naming_a_host() -> None:
    assert "installs the pinned CPU torch" not in README
    section = README[README.index("Run the whole test suite"): README.index("## Usage")]
    assert "--index-url" in section and "://" not in section
