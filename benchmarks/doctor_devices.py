"""The training doctor on an accelerator: the findings expected on a few CUDA models, and none on healthy ones.

Not a timed test (the CI has no GPU): run it on a machine with one and read the table.

    python benchmarks/doctor_devices.py [--device cuda]

Each case trains a small model on the device through ``nnlint.doctor(...)`` and
compares the codes found with the codes expected; the last line says whether
every case matched.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

import nnlint.doctor

Case = Callable[[str], tuple[nn.Module, list[tuple[torch.Tensor, torch.Tensor]], Callable[..., torch.Tensor], float]]


def batches(device: str, *, classes: int = 4, count: int = 8) -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(0)
    centres = torch.randn(classes, 20, generator=generator)
    found = []
    for _ in range(count):
        labels = torch.randint(0, classes, (32,), generator=generator)
        inputs = centres[labels] + 0.5 * torch.randn(32, 20, generator=generator)
        found.append((inputs.to(device), labels.to(device)))
    return found


def mlp(last: nn.Module | None = None) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 4), *([last] if last else []))


class ForcedBatchNorm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden, self.out = nn.Linear(20, 64), nn.Linear(64, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(F.batch_norm(self.hidden(x), None, None, training=True)))


class LogOfRelu(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden, self.out = nn.Linear(20, 64), nn.Linear(64, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log(F.relu(self.out(torch.tanh(self.hidden(x)))))


CASES: dict[str, tuple[set[str], Callable[[], nn.Module], Callable[..., torch.Tensor], float]] = {
    "healthy": (set(), mlp, nn.CrossEntropyLoss(), 1e-3),
    "nll-on-logits": ({"ND121"}, mlp, nn.NLLLoss(), 1e-3),
    "lr-too-high": ({"ND161", "ND152"}, mlp, nn.CrossEntropyLoss(), 10.0),  # lr=10 kills most ReLU units here
    "batch-mixing": ({"ND112"}, ForcedBatchNorm, nn.CrossEntropyLoss(), 1e-3),
    "log-of-zero": ({"ND171"}, LogOfRelu, nn.CrossEntropyLoss(), 1e-3),
}


def run(name: str, device: str) -> bool:
    expected, build, loss_fn, lr = CASES[name]
    model = build().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr) if lr >= 1 else torch.optim.Adam(model.parameters(), lr=lr)
    started = time.perf_counter()
    report = nnlint.doctor.doctor(model, batches(device), loss_fn, optimizer, steps=30)
    found = {diagnostic.code for diagnostic in report.diagnostics}
    verdict = "ok" if found == expected else "MISMATCH"
    print(f"{name:<15} {verdict:<9} expected {sorted(expected)} found {sorted(found)} in {time.perf_counter() - started:.1f} s"
          + (f"  error: {report.error}" if report.error else ""))
    return found == expected and report.error is None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    device = parser.parse_args().device
    print(f"torch {torch.__version__} on {device}")
    results = [run(name, device) for name in CASES]
    print("all cases matched" if all(results) else "some cases did not match")


if __name__ == "__main__":
    main()
