"""Where a NaN starts: replay the failing step on a copy, op by op.

Checking every op of every step would slow training down; instead, the first
time the loss or a gradient is not finite, that step (whose parameters have not
been updated yet) is run again on a deep copy. A torch-function mode watches
each op of the forward pass for the first one that turns finite inputs into a
NaN/Inf; if the forward pass stays finite, ``torch.autograd.detect_anomaly``
runs the backward pass and names the backward op, with the forward line that
created it.
"""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from nnlint.doctor.findings import Location
from nnlint.doctor.frames import text_location, user_location
from nnlint.doctor.observations import NonFiniteOrigin
from nnlint.doctor.replay import ModelCall, Replay
from nnlint.doctor.summaries import all_finite, map_tensors

_BACKWARD_ERROR = re.compile(r"Function '(?P<op>\w+?)Backward\d*' returned (?P<what>nan|inf)")


@dataclass(frozen=True)
class _Found:
    op: str
    module: str | None
    where: Location | None


class _FirstNonFinite(TorchFunctionMode):
    """Remembers the first op whose floating outputs are not finite while its inputs are."""

    def __init__(self, module_stack: list[str]) -> None:
        super().__init__()
        self.found: _Found | None = None
        self._module_stack = module_stack

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        if self.found is None and not all_finite(result) and all_finite((args, kwargs)):
            op = getattr(func, "__name__", repr(func)).strip("_")
            module = self._module_stack[-1] if self._module_stack else None
            self.found = _Found(op, module, user_location())
        return result


def find_origin(replay: Replay | None, calls: list[ModelCall], step: int, what: str) -> NonFiniteOrigin:
    """The first op, in execution order, whose output or gradient is not finite (``what`` names the symptom)."""
    loss: Callable[[Any], torch.Tensor] | None = None
    if replay is not None:
        model, args, kwargs, loss = replay.model, replay.args, replay.kwargs, replay.loss_from_output
    elif calls:
        model, args, kwargs, loss = calls[0].module, calls[0].args, calls[0].kwargs, None
    else:
        return NonFiniteOrigin(step, what, "unknown", reason="no model call to replay")
    try:
        return _search(model, args, kwargs, loss, step, what)
    except Exception as error:  # the replay is best effort: the symptom is still worth reporting
        return NonFiniteOrigin(step, what, "unknown", reason=f"replaying the step failed ({type(error).__name__})")


def _search(model: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any] | Any, loss: Callable[[Any], torch.Tensor] | None,
            step: int, what: str) -> NonFiniteOrigin:
    model, (args, kwargs) = copy.deepcopy((model, map_tensors((args, dict(kwargs)), torch.Tensor.detach)))
    stack: list[str] = []
    handles = _track_modules(model, stack)
    checker = _FirstNonFinite(stack)
    try:
        with warnings.catch_warnings(record=True) as caught, torch.autograd.detect_anomaly(check_nan=True):
            warnings.simplefilter("always")
            with checker:
                output = model(*args, **kwargs)
                in_forward = checker.found is not None
                value = loss(output) if loss is not None and not in_forward else None
            if checker.found is not None:
                found = checker.found
                return NonFiniteOrigin(step, what, "forward" if in_forward else "loss", found.module, found.op, found.where)
            if value is None:
                return NonFiniteOrigin(step, what, "unknown", reason="the model's forward pass stays finite and the loss is not a known one")
            try:
                value.backward()
            except RuntimeError as error:
                match = _BACKWARD_ERROR.search(str(error))
                if match:
                    where = next((text_location(str(w.message)) for w in caught if "Traceback of forward call" in str(w.message)), None)
                    return NonFiniteOrigin(step, what, "backward", None, f"the backward of {match['op']}", where)
                raise
    finally:
        for handle in handles:
            handle.remove()
    return NonFiniteOrigin(step, what, "unknown", reason="the step stays finite when replayed")


def _track_modules(model: nn.Module, stack: list[str]) -> list[torch.utils.hooks.RemovableHandle]:
    """Local hooks on the copy that keep ``stack`` = the modules running now, by name."""
    def leave(module: nn.Module, args: Any, output: Any) -> None:  # a forward hook's return value would replace the output
        stack.pop()

    handles = []
    for name, module in model.named_modules():
        label = f"{name} ({type(module).__name__})" if name else type(module).__name__
        handles.append(module.register_forward_pre_hook(lambda _module, _args, label=label: stack.append(label)))
        handles.append(module.register_forward_hook(leave, always_call=True))
    return handles
