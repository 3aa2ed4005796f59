"""The training doctor: run the first steps of training with hooks and report what only running shows.

Two entries: ``nnlint doctor train.py -- ARGS`` (``command.py``, which runs the
script in a child process) and ``nnlint.doctor(model, loader, loss_fn,
optimizer)`` (``api.py``). This package is imported by the CLI on every run,
so it imports torch only when a doctor actually runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nnlint.callable_package import make_callable
from nnlint.doctor.report import DoctorReport

if TYPE_CHECKING:
    from torch import nn

__all__ = ["DoctorReport", "doctor"]


def doctor(model: nn.Module, loader: Any, loss_fn: Any, optimizer: Any, steps: int = 50, **options: Any) -> DoctorReport:
    """Train deep copies of ``model`` and ``optimizer`` for ``steps`` steps and report (see ``nnlint.doctor.api.doctor``)."""
    from nnlint.doctor.api import doctor as run

    return run(model, loader, loss_fn, optimizer, steps, **options)


make_callable(__name__, doctor)
