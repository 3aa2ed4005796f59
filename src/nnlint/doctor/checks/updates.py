"""Update checks (checklist items 33, 36): the update/weight ratio ||dw||/||w|| per optimizer group, which points at the learning rate."""

from __future__ import annotations

import math
import statistics

from nnlint.diagnostic import Diagnostic
from nnlint.doctor.codes import UPDATE_RATIO_BAND, UPDATE_REPORT_FACTOR
from nnlint.doctor.findings import finding, number
from nnlint.doctor.observations import GroupRecord, Observations

MIN_STEPS = 2  # judged steps (the later half of the observed ones)


def check(obs: Observations, found: frozenset[str]) -> list[Diagnostic]:
    where = obs.optimizer_built or obs.step_call or obs.model_call or obs.at_script
    low, high = UPDATE_RATIO_BAND[0] / UPDATE_REPORT_FACTOR, UPDATE_RATIO_BAND[1] * UPDATE_REPORT_FACTOR
    diagnostics = []
    for group in obs.groups:
        layers = [layer for layer in obs.layers.values() if layer.group == group.index and layer.update_ratios]
        per_step = _median_per_step([layer.update_ratios for layer in layers])
        per_step = per_step[len(per_step) // 2:]  # the later steps: the first ones move more than training will
        if len(per_step) < MIN_STEPS:
            continue
        ratio = statistics.median(per_step)
        scheduled = len({round(lr, 12) for lr in group.lrs}) > 1
        if ratio > high and not _loss_falls(obs):  # large early updates while the loss falls are a working learning rate
            verdict = f"above {number(high)} ({UPDATE_REPORT_FACTOR:g}x the healthy band's upper end {UPDATE_RATIO_BAND[1]:g}) while the loss did not fall: the learning rate is too high"
            advice = "divide the learning rate by 10 (or more) until the ratio is inside [1e-4, 1e-2]"
        elif ratio < low and not scheduled and "ND144" not in found:  # vanishing gradients explain tiny updates
            verdict = f"below {number(low)} ({UPDATE_REPORT_FACTOR:g}x under the healthy band's lower end {UPDATE_RATIO_BAND[0]:g}): the learning rate is too low"
            advice = "multiply the learning rate by 10 until the ratio is inside [1e-4, 1e-2]"
        else:
            continue
        per_layer = ", ".join(f"{layer.label} {number(statistics.median(_finite(layer.update_ratios) or [math.nan]))}" for layer in layers[:6])
        message = f"median update/weight ratio {number(ratio)} for {_describe(group)} over the last {len(per_step)} steps is {verdict}"
        diagnostics.append(finding("ND161", message, where, advice, notes=[f"median per layer: {per_layer}"]))
    return diagnostics


def _loss_falls(obs: Observations) -> bool:
    """The median loss of the later half of the steps is below the first step's loss (and every loss is finite)."""
    losses = [step.loss for step in obs.steps if step.loss is not None]
    if len(losses) < 2 * MIN_STEPS or not all(math.isfinite(loss) for loss in losses):
        return False
    return statistics.median(losses[len(losses) // 2:]) < losses[0]


def _describe(group: GroupRecord) -> str:
    lrs = _finite(group.lrs)
    lr = f", lr={number(lrs[0])}" if lrs else ""
    return f"{group.optimizer} group {group.index}{lr}"


def _finite(values: list[float]) -> list[float]:
    return [value for value in values if math.isfinite(value)]


def _median_per_step(ratios: list[list[float]]) -> list[float]:
    """The median over layers at each step, for steps where every layer's ratio is finite (NaN steps say nothing about the lr)."""
    steps = min((len(values) for values in ratios), default=0)
    found = []
    for step in range(steps):
        values = [values[step] for values in ratios]
        if all(math.isfinite(value) for value in values):
            found.append(statistics.median(values))
    return found
