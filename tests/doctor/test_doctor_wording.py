"""What the doctor's report says about a run: the loss per optimizer step is the one the script computed."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")

from nnlint.doctor.child import run_in_this_process

ACCUMULATING = """
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
x, y = torch.randn(16, 8), torch.arange(16) % 3
accumulation = 4
for step in range(10):
    for micro in range(accumulation):
        loss = nn.functional.cross_entropy(model(x), y)
        (loss / accumulation).backward()
    optimizer.step()
    optimizer.zero_grad()
"""


def test_the_loss_under_gradient_accumulation_is_the_scripts_not_divided(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "train.py").write_text(ACCUMULATING)
    monkeypatch.chdir(tmp_path)
    report = run_in_this_process("train.py", [], steps=3, timeout=60)
    computed = report.metrics["loss_calls"][0]["value"]  # the cross-entropy the script computed at step 0 (same batch each micro-step)
    assert report.metrics["loss"][0] == pytest.approx(computed, rel=1e-4)  # not computed / 4
    assert any("gradient accumulation" in note for note in report.notes), report.notes
