"""Every fixture script, run under the doctor: buggy scripts get exactly their findings, healthy twins none.

The expectation is the script's first line: ``# nnlint-doctor: expect ND104`` or
``# nnlint-doctor: expect clean``. Scripts run in this process (the CLI's child
does the same thing in its own process; ``test_doctor_command.py`` covers that).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from doctor_support import FIXTURES

pytest.importorskip("torch")

from nnlint.doctor.child import run_in_this_process

EXPECT = re.compile(r"# nnlint-doctor: expect (?P<codes>clean|(ND\d{3} ?)+)$")
SCRIPTS = sorted(path for path in FIXTURES.glob("*.py") if EXPECT.match(path.read_text().splitlines()[0]))


def expected(script: Path) -> set[str]:
    match = EXPECT.match(script.read_text().splitlines()[0])
    assert match is not None
    return set() if match["codes"] == "clean" else set(match["codes"].split())


def test_every_bug_has_a_healthy_twin() -> None:
    bugs = [path for path in SCRIPTS if path.stem.endswith("_bug")]
    assert len(bugs) >= 10
    for bug in bugs:
        twins = [path for path in SCRIPTS if path.stem.endswith("_ok") and bug.name in path.read_text()]
        assert twins, f"{bug.name} has no healthy twin that names it"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.stem)
def test_fixture(script: Path) -> None:
    report = run_in_this_process(str(script), [], steps=30, timeout=60)
    assert report.error is None
    assert report.steps == 30
    assert {d.code for d in report.diagnostics} == expected(script), "\n".join(d.message for d in report.diagnostics)
    for diagnostic in report.diagnostics:
        assert diagnostic.path.endswith(script.name), "a finding should point into the script"
        line = script.read_text().splitlines()[diagnostic.line]
        assert line.strip() and not line.lstrip().startswith("#")
