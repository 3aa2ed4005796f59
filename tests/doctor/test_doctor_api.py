"""``nnlint.doctor(model, loader, loss_fn, optimizer)``: copies only, a full report, hooks gone afterwards."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

import nnlint.doctor  # noqa: E402
from nnlint.doctor.api import UnpackError  # noqa: E402


def blobs(samples: int = 256) -> DataLoader:
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(samples) % 3
    inputs = torch.randn(3, 10, generator=generator)[labels] + 0.5 * torch.randn(samples, 10, generator=generator)
    return DataLoader(TensorDataset(inputs, labels), batch_size=32, shuffle=True, generator=generator)


def mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))


def test_the_users_model_and_optimizer_are_not_touched() -> None:
    model = mlp()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    before = {name: value.clone() for name, value in model.state_dict().items()}
    report = nnlint.doctor.doctor(model, blobs(), nn.CrossEntropyLoss(), optimizer, steps=12)
    assert report.steps == 12 and report.diagnostics == []
    assert all(torch.equal(before[name], value) for name, value in model.state_dict().items())
    assert optimizer.state == {} and all(p.grad is None for p in model.parameters())


def test_the_report_carries_per_step_and_per_layer_numbers() -> None:
    report = nnlint.doctor.doctor(mlp(), blobs(), nn.CrossEntropyLoss(), torch.optim.SGD(mlp().parameters(), lr=0.1), steps=5)
    assert report.steps == 5  # an optimizer over other parameters still counts its steps
    model = mlp()
    report = nnlint.doctor.doctor(model, blobs(), nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.03), steps=6)
    metrics = report.metrics
    assert len(metrics["loss"]) == 6 and metrics["lr"] == {"0": [0.03] * 6}
    assert len(metrics["layers"]["0"]["update_ratios"]) == 6 and "init_std" in metrics["layers"]["0"]
    assert metrics["overfit"]["passed"] is True
    text = str(report)
    assert "nnlint doctor" in text and "6 optimizer steps" in text and "no findings" in text


def test_findings_through_the_api() -> None:
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
    report = nnlint.doctor.doctor(model, blobs(), nn.NLLLoss(), torch.optim.Adam(model.parameters(), lr=1e-3), steps=5)
    assert [d.code for d in report.diagnostics] == ["ND121"]
    assert report.diagnostics[0].path.endswith("test_doctor_api.py")  # the line that called the doctor
    assert "ND121" in str(report)


def test_a_custom_loss_function_is_replayed_for_the_experiments() -> None:
    model = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 1))
    data = DataLoader(TensorDataset(torch.randn(64, 10), torch.randn(64)), batch_size=16)
    report = nnlint.doctor.doctor(model, data, lambda out, y: ((out.squeeze(1) - y) ** 2).mean(),
                                  torch.optim.Adam(model.parameters(), lr=1e-2), steps=4)
    assert report.metrics["overfit"] is not None and len(report.metrics["overfit"]["curve"]) > 1


def test_a_model_that_raises_keeps_what_was_learned() -> None:
    class Flaky(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(10, 3)
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            if self.calls == 3:
                raise RuntimeError("bad batch")
            return self.fc(x)

    model = Flaky()
    report = nnlint.doctor.doctor(model, blobs(), nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), steps=10)
    assert report.steps == 2 and len(report.metrics["loss"]) == 2
    assert report.error is not None and report.error.startswith("RuntimeError: bad batch (")
    assert "test_doctor_api.py:" in report.error and report.exit_code == 2


def test_batches_that_are_not_pairs_need_unpack() -> None:
    model = mlp()
    tensors_only = [torch.randn(8, 10) for _ in range(3)]
    with pytest.raises(UnpackError, match="unpack="):
        nnlint.doctor.doctor(model, tensors_only, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1))
    pairs = [{"x": torch.randn(8, 10), "y": torch.randint(0, 3, (8,))} for _ in range(3)]
    report = nnlint.doctor.doctor(model, pairs, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), steps=3,
                                  unpack=lambda batch: (batch["x"], batch["y"]))
    assert report.steps == 3


def test_the_timeout_stops_training() -> None:
    model = mlp()
    report = nnlint.doctor.doctor(model, blobs(), nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), steps=1000, timeout=0.0)
    assert report.steps == 1 and "timeout" in report.stopped


def test_nothing_stays_patched() -> None:
    save, iterate = torch.save, DataLoader.__iter__
    model = mlp()
    nnlint.doctor.doctor(model, blobs(), nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), steps=2)
    assert torch.save is save and DataLoader.__iter__ is iterate


def test_nnlint_doctor_stays_callable_after_the_package_is_imported() -> None:
    import nnlint
    import nnlint.doctor.codes  # the CLI imports the package too: nnlint.doctor becomes the module

    model = mlp()
    report = nnlint.doctor(model, blobs(), nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.03), steps=2)
    assert report.steps == 2
