"""Experiments on copies: overfit one batch, the zeroed-input twin, and batch mixing.

All three start from step 0's ``Replay``: a pristine copy of the model, a fixed
batch of at most 16 samples, the script's loss, and a fresh optimizer of the
script's class and settings. Nothing here touches the user's objects, and
each run is capped in steps and in seconds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from nnlint.doctor.codes import OVERFIT_PASS_FRACTION, OVERFIT_STEPS
from nnlint.doctor.observations import MixingResult, OverfitResult
from nnlint.doctor.replay import Replay
from nnlint.doctor.summaries import first_tensor, map_tensors

OptimizerFactory = Callable[[nn.Module], torch.optim.Optimizer]


def optimizer_factory(optimizer: torch.optim.Optimizer, model: nn.Module) -> OptimizerFactory | None:
    """A function building the same optimizer (class, per-group settings) for a deep copy of ``model``.

    The learning rate is the scheduler's base rate (``initial_lr``) when there is
    one, so a warm-up that starts near zero does not fail the overfit test.
    """
    index = {id(parameter): position for position, parameter in enumerate(model.parameters())}
    groups = []
    for group in optimizer.param_groups:
        positions = [index[id(p)] for p in group["params"] if id(p) in index]
        if positions:
            settings = {key: value for key, value in group.items() if key not in ("params", "initial_lr")}
            settings["lr"] = group.get("initial_lr", group.get("lr"))
            groups.append((settings, positions))
    if not groups:
        return None

    optimizer_class: Callable[..., torch.optim.Optimizer] = type(optimizer)  # subclasses take their groups, defaults filled in

    def build(copy: nn.Module) -> torch.optim.Optimizer:
        parameters = list(copy.parameters())
        return optimizer_class([{**settings, "params": [parameters[i] for i in positions]} for settings, positions in groups])

    try:
        build(model)
    except Exception:  # an optimizer class whose constructor needs more than its groups
        return None
    return build


def overfit(replay: Replay, make_optimizer: OptimizerFactory, *, steps: int = OVERFIT_STEPS, seconds: float = 10.0) -> OverfitResult:
    """Train a copy on the fixed batch until it passes or the caps are hit; then the same on zeroed inputs."""
    curve, accuracy = _train(replay, make_optimizer, steps, seconds, stop_when_passed=True)
    varied = replay.target.numel() > 1 and bool((replay.target != replay.target.reshape(-1)[0]).any())
    samples = int(replay.target.shape[0]) if replay.target.dim() > 0 else replay.batch_size  # a [T, B] batch's flattened targets count tokens
    result = OverfitResult(samples=samples or 0, curve=curve, accuracy=accuracy, passed=_passed(curve, accuracy), targets_vary=varied)
    if replay.args and result.curve and all(math.isfinite(value) for value in curve):
        zeroed_args = (map_tensors(replay.args[0], torch.zeros_like), *replay.args[1:])
        result.zeroed_curve, _ = _train(replay, make_optimizer, len(curve), seconds, stop_when_passed=False, args=zeroed_args)
    return result


def _train(replay: Replay, make_optimizer: OptimizerFactory, steps: int, seconds: float, *, stop_when_passed: bool,
           args: tuple[Any, ...] | None = None) -> tuple[list[float], float | None]:
    copy = replay.copied()
    model = copy.model.train()
    optimizer = make_optimizer(model)
    torch.manual_seed(0)
    deadline = time.monotonic() + seconds
    curve: list[float] = []
    accuracy = None
    for _ in range(steps):
        output = copy.loss_input(model(*(copy.args if args is None else args), **copy.kwargs))
        loss = copy.loss(output, copy.target, **copy.loss_kwargs)
        curve.append(float(loss.detach()))
        accuracy = _accuracy(output.detach(), copy)
        if not math.isfinite(curve[-1]) or (stop_when_passed and _passed(curve, accuracy)) or time.monotonic() > deadline:
            break
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return curve, accuracy


def _passed(curve: list[float], accuracy: float | None) -> bool:
    if not curve or not math.isfinite(curve[-1]):
        return False
    return accuracy == 1.0 or (len(curve) > 1 and curve[-1] <= OVERFIT_PASS_FRACTION * curve[0])


def _accuracy(output: torch.Tensor, replay: Replay) -> float | None:
    """Share of samples classified right, for the classification losses (None otherwise)."""
    target, loss_name = replay.target, replay.loss_name
    if loss_name in ("cross_entropy", "nll_loss") and not target.is_floating_point() and output.dim() >= 2:
        keep = target != replay.loss_kwargs.get("ignore_index", -100)
        return float((output.argmax(dim=1)[keep] == target[keep]).float().mean()) if keep.any() else None
    if loss_name.startswith("binary_cross_entropy") and output.shape == target.shape:
        threshold = 0.0 if loss_name.endswith("logits") else 0.5
        return float(((output > threshold) == (target > 0.5)).float().mean())
    return None


@torch.no_grad()
def batch_mixing(replay: Replay) -> MixingResult | None:
    """Perturb sample 0 in eval mode; how much do the other samples' outputs move? None when it cannot tell."""
    copy = replay.copied()
    model = copy.model.eval()
    inputs = copy.args[0] if copy.args and isinstance(copy.args[0], torch.Tensor) else None
    if inputs is None or inputs.dim() == 0 or inputs.shape[0] < 2:
        return None
    perturbed = _perturbed(inputs)
    if perturbed is None:
        return None

    def outputs(first: torch.Tensor) -> torch.Tensor | None:
        output = model(first, *copy.args[1:], **copy.kwargs)
        for key in copy.path:
            output = output[key]
        found = first_tensor(output)
        return found.float() if found is not None and found.dim() > 0 and found.shape[0] == inputs.shape[0] else None

    before, again, after = outputs(inputs), outputs(inputs), outputs(perturbed)
    if before is None or again is None or after is None or not torch.equal(before, again):
        return None  # not batched along dim 0, or not deterministic in eval mode
    scale = float(before.abs().max()) or 1.0
    return MixingResult(
        samples=int(inputs.shape[0]),
        other_change=float((after[1:] - before[1:]).abs().max()) / scale,
        self_change=float((after[0] - before[0]).abs().max()) / scale,
    )


def _perturbed(inputs: torch.Tensor) -> torch.Tensor | None:
    """The batch with sample 0 changed: noise for float inputs, another sample for integer ones (token ids)."""
    changed = inputs.clone()
    if inputs.is_floating_point():
        generator = torch.Generator(device="cpu").manual_seed(0)
        noise = torch.randn(inputs[0].shape, generator=generator).to(inputs.device, inputs.dtype)
        changed[0] = inputs[0] + noise * (float(inputs.float().std()) or 1.0)
        return changed
    for other in range(1, inputs.shape[0]):
        if not torch.equal(inputs[other], inputs[0]):
            changed[0] = inputs[other]
            return changed
    return None
