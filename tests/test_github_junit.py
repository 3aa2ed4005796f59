"""``--format github`` (Actions annotations) and ``--format junit`` (test reports) for CI."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nnlint.cli import main
from nnlint.diagnostic import Diagnostic, Range, Severity
from nnlint.reporters import write_report
from nnlint.reporters.report import ALL_PASSED

BUGGY = """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
criterion = nn.NLLLoss()
loss = criterion(model(x), y)
"""
AWKWARD = Diagnostic(
    code="NN402",
    name="eval-without-eval-mode",
    message="100% sure: model,\nstill training",
    path="runs/a,b:c.py",
    range=Range.of(0, 0, 1, 4),
    severity=Severity.INFO,
    help="call model.eval()",
    notes=("cell 2, line 1",),
)


def render(fmt: str, diagnostics: list[Diagnostic], errors: tuple[str, ...] = ()) -> str:
    out = io.StringIO()
    write_report(diagnostics, fmt, out, errors=errors)
    return out.getvalue()


@pytest.fixture
def buggy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(BUGGY, encoding="utf-8")
    return tmp_path


def test_github_annotation_of_a_finding(buggy: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["train.py", "--format", "github", "--no-cache"]) == 1
    first, summary = capsys.readouterr().out.splitlines()
    assert first.startswith(
        "::error file=train.py,line=4,col=8,endLine=4,endColumn=30,title=NN301::"
        "NLLLoss gets raw logits (the output of nn.Linear); it expects log-probabilities%0Ahelp: "
    )
    assert summary == "Found 1 problem (0 fixable; 1 more with --unsafe-fixes)."


def test_github_escapes_properties_and_data_and_maps_severity():
    (line, _) = render("github", [AWKWARD]).splitlines()
    assert line == (
        "::notice file=runs/a%2Cb%3Ac.py,line=1,col=1,endLine=2,endColumn=5,title=NN402::"
        "100%25 sure: model,%0Astill training%0Ahelp: call model.eval()%0Anote: cell 2, line 1"
    )


def test_github_reports_unreadable_files_and_a_clean_run():
    assert render("github", [], ("a.py: cannot decode",)).splitlines()[0] == "::error title=nnlint::a.py: cannot decode"
    assert render("github", []) == ALL_PASSED + "\n"


def parse_junit(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.split("\n", 1)[1])


def test_junit_one_failing_case_per_finding(buggy: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["train.py", "--format", "junit", "--no-cache"]) == 1
    root = parse_junit(capsys.readouterr().out)
    assert (root.tag, root.get("tests"), root.get("failures"), root.get("errors")) == ("testsuites", "1", "1", "0")
    (suite,) = root
    (case,) = suite
    assert suite.get("name") == "train.py" and case.get("classname") == "train.py"
    assert case.get("name") == "NN301 nll-loss-without-log-softmax" and case.get("line") == "4"
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "NN301"
    assert (failure.text or "").startswith("train.py:4:8: NN301 NLLLoss gets raw logits")


def test_junit_errors_control_characters_and_counts():
    nasty = Diagnostic(code="NN301", name="n", message="bell \x07 and nul \x00", path="a.py", range=Range.of(0, 0))
    root = parse_junit(render("junit", [AWKWARD, nasty], ("b.py: binary file",)))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "2", "1")
    suites = {suite.get("name"): suite for suite in root}
    assert set(suites) == {"nnlint", "a.py", "runs/a,b:c.py"}
    assert suites["nnlint"].find("testcase/error").get("message") == "b.py: binary file"
    assert suites["a.py"].find("testcase/failure").get("message") == "bell \ufffd and nul \ufffd"


def test_junit_clean_run_is_one_passing_case():
    root = parse_junit(render("junit", []))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "0", "0")
    assert root.find("testsuite/testcase").get("name") == ALL_PASSED
