"""On a CUDA machine: ``nnlint.trace`` of a model that lives on the GPU leaves it untouched.

The tracer copies the model to the meta device; a user tracing the model they are
about to train must find its parameters where they were, with the same values.
Prints what it checked; exits 1 on a difference. Run: ``python benchmarks/trace_cuda_check.py``.
"""

from __future__ import annotations

import sys

import torch
import torch.nn as nn

import nnlint


def main() -> int:
    if not torch.cuda.is_available():
        print("no CUDA device: nothing to check")
        return 0
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 32 * 32, 10)).cuda()
    before = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    report = nnlint.trace(model, "B,3,32,32")
    after = model.state_dict()
    moved = [name for name, tensor in after.items() if tensor.device.type != "cuda"]
    changed = [name for name, tensor in after.items() if not torch.equal(tensor, before[name])]
    print(f"capture tier: {report.capture.tier}; findings: {[d.code for d in report.diagnostics]}")
    print(f"parameters moved off the GPU: {moved or 'none'}; changed: {changed or 'none'}; training flag kept: {model.training}")
    return 1 if moved or changed or not model.training else 0


if __name__ == "__main__":
    sys.exit(main())
