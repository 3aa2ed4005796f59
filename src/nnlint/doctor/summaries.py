"""Tensors in, plain numbers out: the summaries the checks read.

Each function looks at one tensor (or one loss call) without keeping it and
without touching autograd, so the hooks can call them on live training
tensors.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import torch

from nnlint.doctor.findings import Location
from nnlint.doctor.observations import InputSummary, LossCall, TargetSummary

#: Losses the doctor understands: functional name -> family.
LOSS_FAMILIES: Mapping[str, str] = {
    "cross_entropy": "softmax",
    "nll_loss": "softmax",
    "binary_cross_entropy": "binary",
    "binary_cross_entropy_with_logits": "binary",
    "mse_loss": "elementwise",
    "l1_loss": "elementwise",
    "smooth_l1_loss": "elementwise",
    "huber_loss": "elementwise",
}

_OPTIONS = ("label_smoothing", "ignore_index", "reduction")


def tensors(value: Any, depth: int = 0) -> Iterator[torch.Tensor]:
    """The tensors in a value (arguments, outputs), depth-first, in order."""
    if isinstance(value, torch.Tensor):
        yield value
    elif depth < 3 and isinstance(value, (tuple, list)):
        for item in value:
            yield from tensors(item, depth + 1)
    elif depth < 3 and isinstance(value, Mapping):
        for item in value.values():
            yield from tensors(item, depth + 1)


def map_tensors(value: Any, function: Callable[[torch.Tensor], Any]) -> Any:
    """``value`` with every tensor in it (in tuples, lists and dicts) replaced by ``function(tensor)``."""
    if isinstance(value, torch.Tensor):
        return function(value)
    if isinstance(value, (tuple, list)):
        return type(value)(map_tensors(item, function) for item in value)
    if isinstance(value, dict):
        return {key: map_tensors(item, function) for key, item in value.items()}
    return value


def first_tensor(value: Any) -> torch.Tensor | None:
    return next(tensors(value), None)


def all_finite(value: Any) -> bool:
    return all(bool(torch.isfinite(t).all()) for t in tensors(value) if t.is_floating_point())


def channel_axis(shape: tuple[int, ...]) -> int | None:
    """Images (N, C, H, W) per channel; other batched inputs per feature (the last dim)."""
    if len(shape) == 4:
        return 1
    return len(shape) - 1 if len(shape) >= 2 else None


@torch.no_grad()
def fingerprint(tensor: torch.Tensor) -> tuple[Any, ...]:
    """Enough of a tensor to tell whether the next batch is the same one, without keeping a copy of it."""
    flat = tensor.detach().reshape(-1)
    values = flat.double()
    return (tuple(tensor.shape), tensor.dtype, float(values.sum()), float((values * values).sum()), tuple(flat[:16].tolist()))


@torch.no_grad()
def summarize_input(tensor: torch.Tensor) -> InputSummary:
    shape = tuple(tensor.shape)
    floating = tensor.is_floating_point()
    finite = bool(torch.isfinite(tensor).all()) if floating else True
    all_zero = tensor.numel() > 0 and not bool(tensor.any())
    summary = InputSummary(str(tensor.dtype).removeprefix("torch."), shape, floating, finite, all_zero)
    if floating and finite and tensor.numel() > 1:
        values = tensor.detach().float()
        summary.std = float(values.std())
        axis = channel_axis(shape)
        if axis is not None and shape[axis] <= 4096:
            per_channel = values.movedim(axis, 0).reshape(shape[axis], -1)
            summary.channel_axis = axis
            summary.channel_mean = tuple(per_channel.mean(dim=1).tolist())
            summary.channel_std = tuple(per_channel.std(dim=1).tolist()) if per_channel.shape[1] > 1 else ()
    return summary


@torch.no_grad()
def summarize_target(target: torch.Tensor, function: str) -> TargetSummary:
    """Targets; class counts when they are class labels (indices for softmax losses, 0/1 for binary ones)."""
    floating = target.is_floating_point()
    summary = TargetSummary(str(target.dtype).removeprefix("torch."), tuple(target.shape), bool(torch.isfinite(target).all()) if floating else True)
    flat = target.detach().reshape(-1) if target.dim() <= 1 or (target.dim() == 2 and target.shape[1] == 1) else None
    family = LOSS_FAMILIES.get(function)
    is_labels = flat is not None and (
        (family == "softmax" and not floating) or (family == "binary" and summary.finite and bool(((flat == 0) | (flat == 1)).all()))
    )
    if is_labels and flat is not None:
        values, counts = torch.unique(flat, return_counts=True)
        summary.labels = {int(v): int(c) for v, c in zip(values.tolist(), counts.tolist())}
    return summary


def merge_targets(summaries: list[TargetSummary]) -> TargetSummary:
    """One step's targets as one: the first one's shape and dtype, finite if all are, the labels of all that have labels."""
    merged = TargetSummary(summaries[0].dtype, summaries[0].shape, all(s.finite for s in summaries))
    labelled = [s.labels for s in summaries if s.labels is not None]
    if labelled:
        merged.labels = {}
        for labels in labelled:
            for label, count in labels.items():
                merged.labels[label] = merged.labels.get(label, 0) + count
    return merged


@torch.no_grad()
def summarize_loss_call(
    function: str, input: torch.Tensor, target: torch.Tensor, kwargs: Mapping[str, Any], result: torch.Tensor | None, where: Location, step: int
) -> LossCall:
    """A loss call in numbers; ``result`` is None when the loss raised (the value is then NaN)."""
    value = math.nan if result is None else _per_element(result, kwargs.get("reduction", "mean"), target)
    call = LossCall(
        function=function,
        where=where,
        step=step,
        value=value,
        input_shape=tuple(input.shape),
        target_shape=tuple(target.shape),
        target_dtype=str(target.dtype).removeprefix("torch."),
        target_integer=not target.is_floating_point(),
        options=_options(kwargs),
    )
    values = input.detach().float()
    if values.numel() and bool(torch.isfinite(values).all()):
        call.input_min, call.input_max = float(values.min()), float(values.max())
        call.logit_std = float(values.std()) if values.numel() > 1 else None
    targets = target.detach()
    if LOSS_FAMILIES.get(function) == "softmax" and input.dim() >= 2:
        call.classes = int(input.shape[1])
        if call.input_min is not None:
            call.row_logsumexp = float(torch.logsumexp(values, dim=1).mean())
            call.row_sum = float(values.sum(dim=1).mean())
        if call.target_integer:
            targets = targets[targets != kwargs.get("ignore_index", -100)]
        elif target.shape == input.shape:
            call.target_row_sum = float(targets.float().sum(dim=1).mean())
    if targets.numel() and (call.target_integer or bool(torch.isfinite(targets).all())):
        call.target_min, call.target_max = float(targets.min()), float(targets.max())
    return call


def _per_element(result: torch.Tensor, reduction: str, target: torch.Tensor) -> float:
    """The loss per element, whatever the reduction, so it compares with ln(C)."""
    value = result.detach().float()
    if reduction == "sum" and target.numel():
        return float(value.sum()) / target.numel()
    return float(value.mean())


def _options(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {name: kwargs[name] for name in _OPTIONS if isinstance(kwargs.get(name), (int, float, str))}
    for name in ("weight", "pos_weight"):
        if isinstance(kwargs.get(name), torch.Tensor):
            options[name] = True
    return options
