"""Every fixture model: exactly the findings marked ``# expect: CODE`` on their lines, nothing else.

The correct twins carry no marks, so each of them asserts that the tracer stays
silent (precision first).
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch", reason="the tracer needs torch (pip install 'nnlint[trace]')")
pytest.importorskip("networkx", reason="the tracer needs networkx (pip install 'nnlint[trace]')")

from trace_support import Case, cases, expected, found, same_file

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_findings_match_the_marks_beside_the_lines(case: Case) -> None:
    from nnlint.trace import trace
    from nnlint.trace.loader import load_target

    report = trace(load_target(case.target), case.inputs)

    assert found(report) == expected(case), "\n".join(f"{d.code} {d.line + 1}: {d.message}" for d in report.diagnostics)
    assert all(same_file(d.path, case.file) for d in report.diagnostics)
    assert all(d.source == "trace" and d.message for d in report.diagnostics)


def test_every_code_has_a_buggy_fixture() -> None:
    from nnlint.trace.codes import CODES

    marked = {code for case in CASES for code, _ in expected(case)}
    assert marked == {doc.code for doc in CODES}


def test_there_are_correct_twins() -> None:
    silent = [case for case in CASES if not expected(case)]
    assert len(silent) >= 20
