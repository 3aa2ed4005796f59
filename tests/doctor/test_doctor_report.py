"""The report: its wire format between the child process and the command, its exit codes and its text."""

from __future__ import annotations

import math

from nnlint.doctor.findings import Location, finding
from nnlint.doctor.report import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, DoctorReport


def report(**changes) -> DoctorReport:
    base = DoctorReport(
        diagnostics=[finding("ND104", "30 of 30 batches hold a single label", Location("train.py", 16), "shuffle", notes=["a note"])],
        metrics={"loss": [1.4, math.nan, math.inf], "overfit": {"passed": False, "samples": 16, "curve": [1.4, 1.2]}},
        steps=30,
        stopped="stopped after 30 steps",
        notes=["the script tried to change 1 path(s) and none changed: ckpt.pt (written at train.py:40)"],
        seconds=2.5,
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def test_the_json_round_trip_keeps_everything() -> None:
    original = report(error="RuntimeError: boom (train.py:3)")
    copy = DoctorReport.from_json(original.to_json())
    assert copy.diagnostics == original.diagnostics
    assert copy.metrics["loss"][0] == 1.4 and math.isnan(copy.metrics["loss"][1]) and copy.metrics["loss"][2] == math.inf
    assert (copy.steps, copy.stopped, copy.error, copy.notes, copy.seconds) == (30, original.stopped, original.error, original.notes, 2.5)


def test_exit_codes() -> None:
    assert report().exit_code == EXIT_FINDINGS
    assert report(diagnostics=[]).exit_code == EXIT_CLEAN
    assert report(error="ValueError: x").exit_code == EXIT_ERROR  # the run is incomplete, findings or not
    assert report(diagnostics=[], steps=0).exit_code == EXIT_ERROR  # nothing was observed


def test_the_text_shows_the_run_the_error_and_the_findings() -> None:
    text = str(report(error="RuntimeError: boom (train.py:3)"))
    assert text.startswith("nnlint doctor\n")
    for expected in ("30 optimizer steps in 2.5 s", "not passed on 16 samples", "tried to change 1 path(s)", "error: RuntimeError: boom", "ND104", "train.py:17"):
        assert expected in text
    assert "no findings" in str(report(diagnostics=[]))
