"""The doctor's series as TensorBoard scalars and histograms, for people who already look there.

Written with ``torch.utils.tensorboard`` (it needs the ``tensorboard`` package,
which nnlint does not install): the loss and the overfit curve per step, each
layer's gradient norm and update ratio per step, and the per-layer histograms
of the first and last step's gradient norms.
"""

from __future__ import annotations

import importlib.util
import math
from typing import Any

NEEDS_TENSORBOARD = "--tensorboard needs the tensorboard package (pip install tensorboard); no event files written"


def tensorboard_available() -> bool:
    return importlib.util.find_spec("tensorboard") is not None


def write_tensorboard(metrics: dict[str, Any], directory: str) -> None:
    """Write ``metrics`` (``DoctorReport.metrics``) as event files under ``directory``."""
    import torch
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(log_dir=directory)
    try:
        _series(writer, "loss/run", metrics.get("loss") or [])
        overfit = metrics.get("overfit")
        if overfit:
            _series(writer, "loss/overfit_one_batch", overfit["curve"])
        layers = sorted(metrics.get("layers", {}).items(), key=lambda item: item[1].get("order", 0))
        for name, data in layers:
            _series(writer, f"gradient_norm/{name}", data.get("grad_norms", []))
            _series(writer, f"update_ratio/{name}", data.get("update_ratios", []))
            if data.get("init_std") is not None:
                writer.add_scalar(f"activation_std/{name}", data["init_std"], 0)
        for step, pick in ((0, 0), (1, -1)):
            norms = [data["grad_norms"][pick] for _, data in layers if data.get("grad_norms")]
            if norms:
                writer.add_histogram("gradient_norms_per_layer", torch.tensor(norms), step)
    finally:
        writer.close()


def _series(writer: Any, tag: str, values: list[Any]) -> None:
    for step, value in enumerate(values):
        if isinstance(value, (int, float)) and math.isfinite(value):
            writer.add_scalar(tag, value, step)
