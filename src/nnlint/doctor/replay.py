"""One training step, captured so that it can be run again on a copy.

A ``Replay`` holds a model call (module, arguments) and the loss call that
followed it (loss function, target, options), plus where the loss input sits
in the model's output (``out``, ``out[0]``, ``out["logits"]``, or a reshaped view
such as ``out.view(-1, V)``). The experiments (overfit, zeroed input, batch
mixing) and the NaN-origin search all run models through it, always on copies.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from torch import nn

from nnlint.doctor.findings import Location
from nnlint.doctor.summaries import first_tensor, map_tensors

Path = tuple[Any, ...]


@dataclass(frozen=True)
class LossCallRecord:
    """A loss call as the hooks saw it, with live tensors (kept for one step only)."""

    function: Callable[..., torch.Tensor]
    name: str
    input: torch.Tensor
    target: torch.Tensor
    kwargs: Mapping[str, Any]
    result: torch.Tensor


@dataclass(frozen=True)
class ModelCall:
    """A call of a top-level module (one that no other module called)."""

    module: nn.Module
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    output: Any
    training: bool  # the module's mode at the call
    where: Location | None  # the call site in the user's code


@dataclass(frozen=True)
class Replay:
    model: nn.Module
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    path: Path
    view_shape: tuple[int, ...] | None  # trailing dims of the loss input when it is a reshaped view of the output
    loss: Callable[..., torch.Tensor]
    target: torch.Tensor
    loss_kwargs: Mapping[str, Any] = field(default_factory=dict)
    loss_name: str = ""

    @classmethod
    def build(cls, call: ModelCall, loss: LossCallRecord) -> Replay | None:
        """Connect a model call to a loss call, or None when the loss input is not (a view of) the model's output."""
        found = _find(call.output, loss.input, ())
        if found is None:
            return None
        path, exact = found
        return cls(call.module, call.args, call.kwargs, path, None if exact else tuple(loss.input.shape[1:]),
                   loss.function, loss.target, loss.kwargs, loss.name)

    @property
    def batch_size(self) -> int | None:
        first = first_tensor(self.args)
        return int(first.shape[0]) if first is not None and first.dim() > 0 else None

    def loss_input(self, output: Any) -> torch.Tensor:
        selected = output
        for key in self.path:
            selected = selected[key]
        return selected if self.view_shape is None else selected.reshape(-1, *self.view_shape)

    def loss_from_output(self, output: Any) -> torch.Tensor:
        """The captured loss on a model output (the loss input picked out of it, the captured target)."""
        return self.loss(self.loss_input(output), self.target, **self.loss_kwargs)

    def loss_of(self, model: nn.Module) -> torch.Tensor:
        """Run ``model`` on the captured arguments, then the captured loss."""
        return self.loss_from_output(model(*self.args, **self.kwargs))

    def copied(self, samples: int | None = None) -> Replay:
        """A deep copy (model, batch and target detached), optionally cut to the first ``samples`` samples.

        The batch is cut only when every batched tensor and the target share the
        first dim; otherwise the whole batch is kept.
        """
        detached = map_tensors((self.args, dict(self.kwargs), self.target), torch.Tensor.detach)
        model, (args, kwargs, target) = copy.deepcopy((self.model, detached))
        for parameter in model.parameters():
            parameter.grad = None
        size = self.batch_size
        if samples is not None and size is not None and samples < size and target.dim() > 0 and target.shape[0] == size:
            cut = functools.partial(_cut, size=size, samples=samples)
            args, kwargs, target = map_tensors((args, kwargs, target), cut)
        return replace(self, model=model, args=args, kwargs=kwargs, target=target)


def _find(output: Any, wanted: torch.Tensor, path: Path, depth: int = 0) -> tuple[Path, bool] | None:
    if isinstance(output, torch.Tensor):
        if output is wanted:
            return path, True
        same_storage = output.numel() == wanted.numel() > 0 and output.untyped_storage().data_ptr() == wanted.untyped_storage().data_ptr()
        return (path, False) if same_storage and output.dim() > 0 and wanted.dim() > 0 else None
    if depth >= 3:
        return None
    items: Any = output.items() if isinstance(output, Mapping) else enumerate(output) if isinstance(output, (tuple, list)) else ()
    for key, item in items:
        found = _find(item, wanted, (*path, key), depth + 1)
        if found is not None:
            return found
    return None


def _cut(tensor: torch.Tensor, size: int, samples: int) -> torch.Tensor:
    return tensor[:samples] if tensor.dim() > 0 and tensor.shape[0] == size else tensor
