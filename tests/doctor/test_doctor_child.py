"""Running a script under the doctor in this process: how runs end, and what is restored afterwards."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("torch")

from nnlint.doctor.child import run_in_this_process
from nnlint.doctor.report import DoctorReport

TRAINING = """
import torch
from torch import nn
model = nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
x, y = torch.randn(16, 4), torch.arange(16) % 2
for step in range(1000):
    try:
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    except Exception:  # a script that swallows errors must still stop at the step limit
        pass
"""


def run(tmp_path: Path, source: str, *args: str, steps: int = 5) -> DoctorReport:
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(source))
    return run_in_this_process(str(script), list(args), steps=steps, timeout=60)


def test_the_step_limit_stops_even_a_script_that_catches_exception(tmp_path) -> None:
    report = run(tmp_path, TRAINING, steps=4)
    assert report.steps == 4 and report.stopped == "stopped after 4 steps" and report.error is None


def test_argv_and_path_are_the_scripts_and_are_restored(tmp_path) -> None:
    argv, path = list(sys.argv), list(sys.path)
    report = run(tmp_path, "import sys\nassert sys.argv[1:] == ['--lr', '0.1'], sys.argv\n" + TRAINING, "--lr", "0.1", steps=2)
    assert report.error is None and report.steps == 2
    assert sys.argv == argv and sys.path == path


def test_a_syntax_error_points_at_its_line(tmp_path) -> None:
    report = run(tmp_path, "import torch\n\ndef broken(:\n    pass\n")
    assert report.steps == 0 and report.error is not None
    assert report.error.startswith("SyntaxError") and "train.py:3" in report.error


def test_a_nonzero_exit_is_an_error_and_a_zero_exit_is_the_end(tmp_path) -> None:
    failed = run(tmp_path, "import sys\nsys.exit(3)\n")
    assert failed.error is not None and failed.error.startswith("SystemExit: 3") and failed.stopped == "the script exited with 3"
    ended = run(tmp_path, "import sys\nsys.exit(0)\n")
    assert ended.error is None and ended.stopped == "the script ended" and ended.steps == 0
