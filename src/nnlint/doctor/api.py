"""``nnlint.doctor(model, loader, loss_fn, optimizer)``: the doctor from Python, on deep copies.

The model and optimizer are deep-copied together (so the copied optimizer
steps the copied parameters), then trained for ``steps`` steps with the same
hooks the script runner uses; the user's objects are never touched.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn

from nnlint.doctor.conclude import conclude
from nnlint.doctor.frames import describe_error, user_location
from nnlint.doctor.observations import Observations
from nnlint.doctor.recorder import DoctorStop, Recorder
from nnlint.doctor.report import DoctorReport
from nnlint.doctor.session import Session

Unpack = Callable[[Any], tuple[Any, Any]]


def doctor(
    model: nn.Module,
    loader: Iterable[Any],
    loss_fn: Callable[[Any, Any], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    steps: int = 50,
    *,
    unpack: Unpack | None = None,
    timeout: float | None = None,
    experiment_seconds: float = 10.0,
) -> DoctorReport:
    """Train copies of ``model`` and ``optimizer`` for ``steps`` steps on ``loader`` and report what goes wrong.

    Each batch is split by ``unpack(batch) -> (inputs, target)`` (default: the
    first two items of a tuple/list batch); the step is
    ``loss_fn(model(inputs), target).backward(); optimizer.step()``. The loader is
    restarted when it runs out. ``timeout`` caps the training in seconds;
    ``experiment_seconds`` caps each experiment (overfit, zeroed input).
    """
    if steps < 1:
        raise ValueError("steps must be at least 1")
    trained, trained_optimizer = copy.deepcopy((model, optimizer))
    where = user_location()
    recorder = Recorder(Observations(script=where.path if where else "<python>"), max_steps=steps)
    started = time.monotonic()
    stopped, error = "the loader ran out", None
    with Session(recorder):
        try:
            _train(trained, loader, loss_fn, trained_optimizer, unpack or _pair, recorder, None if timeout is None else started + timeout)
        except DoctorStop as stop:
            stopped = stop.reason
        except UnpackError:
            raise
        except Exception as raised:  # the user's model or loss raised: report what was learned before
            error = describe_error(raised)
            stopped = "the training step raised"
    return conclude(recorder, stopped=stopped, seconds=time.monotonic() - started, error=error, experiment_seconds=experiment_seconds)


def _train(model: nn.Module, loader: Iterable[Any], loss_fn: Callable[[Any, Any], torch.Tensor], optimizer: torch.optim.Optimizer,
           unpack: Unpack, recorder: Recorder, deadline: float | None) -> None:
    model.train()
    while True:
        batches = 0
        for batch in loader:
            batches += 1
            inputs, target = unpack(batch)
            output = model(inputs)
            recorder.explicit_loss(loss_fn, output, target, loss := loss_fn(output, target))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if deadline is not None and time.monotonic() > deadline:
                raise DoctorStop("stopped at the timeout")
        if batches == 0:
            raise ValueError("the loader yielded no batch")


class UnpackError(TypeError):
    """A batch the default ``unpack`` cannot split: the caller's mistake, raised rather than reported."""


def _pair(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, (tuple, list)) and len(batch) >= 2:
        return batch[0], batch[1]
    raise UnpackError(f"a batch is a {type(batch).__name__}, not an (inputs, target) pair: pass unpack=lambda batch: (inputs, target)")
