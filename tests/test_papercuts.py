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


# --- severity is printed, not only coloured -------------------------------------------------------

def test_concise_prints_the_severity_after_the_code():
    lines = render("concise", [finding("NN101", None, Severity.ERROR), finding("NN102", None, Severity.INFO)]).splitlines()
    assert lines[:2] == ["train.py:1:1: NN101 error a message", "train.py:1:1: NN102 info a message"]


def test_full_header_prints_the_severity_after_the_code():
    assert render("full", [finding("NN101", None, Severity.WARNING)]).startswith("train.py:1:1: NN101 warning [some-rule] a message\n")
