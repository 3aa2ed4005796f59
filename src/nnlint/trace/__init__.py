"""The model tracer: ``nnlint trace`` and ``nnlint.trace()``.

Importing this package is cheap (no torch, no networkx): ``trace`` imports the
pipeline on first call, so ``nnlint rule NT101`` and the static checker never
pay for torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nnlint.callable_package import make_callable
from nnlint.trace.errors import TraceUsageError
from nnlint.trace.report import CaptureInfo, SummaryRow, TraceReport

if TYPE_CHECKING:
    from nnlint.trace.api import Inputs

__all__ = ["CaptureInfo", "SummaryRow", "TraceReport", "TraceUsageError", "trace"]


def trace(model_or_factory: Any, inputs: Inputs, **options: Any) -> TraceReport:
    """Trace ``model_or_factory`` on meta tensors; see ``nnlint.trace.api.trace`` for the options."""
    from nnlint.trace.api import trace as run

    return run(model_or_factory, inputs, **options)


make_callable(__name__, trace)
