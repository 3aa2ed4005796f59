"""Loss checks (checklist items 17, 18, 19, 25): the loss at step 0 against chance, shapes and targets."""

from __future__ import annotations

import math

from nnlint.diagnostic import Diagnostic
from nnlint.doctor.codes import CHANCE_TOLERANCE
from nnlint.doctor.findings import finding, number
from nnlint.doctor.observations import LossCall, Observations
from nnlint.doctor.summaries import LOSS_FAMILIES

_LOG_PROB_TOLERANCE = 0.1  # |logsumexp| of a row of log-probabilities
_PROBABILITY_TOLERANCE = 1e-3  # |row sum - 1| of probabilities


def check(obs: Observations, found: frozenset[str]) -> list[Diagnostic]:
    diagnostics = []
    for call in obs.loss_calls:
        family = LOSS_FAMILIES[call.function]
        if family == "elementwise" and call.input_shape != call.target_shape:
            diagnostics.append(_broadcast(call))
        target = _target_problem(call, family)
        if target:
            diagnostics.append(finding("ND123", f"{call.function} gets {target}", call.where, _TARGET_HELP[family]))
        if call.step == 0 and family in ("softmax", "binary"):
            diagnostics.extend(_initial(call, family, scaled_inputs="ND102" not in found))
    return diagnostics


def _broadcast(call: LossCall) -> Diagnostic:
    return finding("ND122", f"{call.function} compares input {call.input_shape} with target {call.target_shape}: they broadcast, "
                   "so every prediction is compared with every target", call.where,
                   "make the shapes equal, e.g. output.squeeze(-1) or target.view_as(output)")


_TARGET_HELP = {
    "softmax": "class-index targets must be integers in [0, C); probability targets must be rows in [0, 1] that sum to 1",
    "binary": "binary targets must be in [0, 1]: map labels such as {-1, 1} to {0, 1}",
    "elementwise": "",
}


def _target_problem(call: LossCall, family: str) -> str | None:
    if family == "softmax" and not call.target_integer and call.target_shape != call.input_shape:
        return f"{call.target_dtype} targets of shape {call.target_shape}: class indices must be integers (target.long())"
    if family == "binary" and call.target_integer:
        return f"{call.target_dtype} targets: binary cross-entropy needs float targets (target.float())"
    low, high = call.target_min, call.target_max
    if low is None or high is None:
        return None
    if family == "softmax" and call.classes is not None:
        if call.target_integer and (low < 0 or high >= call.classes):
            return f"class indices from {number(low)} to {number(high)} but the output has {call.classes} classes (valid 0..{call.classes - 1})"
        row_sum = call.target_row_sum
        if not call.target_integer and row_sum is not None and (low < 0 or high > 1 or abs(row_sum - 1) > _PROBABILITY_TOLERANCE):
            return f"probability targets in [{number(low)}, {number(high)}] whose rows sum to {number(row_sum)}"
    if family == "binary" and (low < 0 or high > 1):
        return f"targets from {number(low)} to {number(high)}, outside [0, 1]"
    return None


def _initial(call: LossCall, family: str, *, scaled_inputs: bool) -> list[Diagnostic]:
    """The first loss against chance; with ND102 (unscaled inputs) a high loss has its explanation already."""
    if family == "softmax" and call.classes == 1:
        return [finding("ND121", f"{call.function} over a single class: the loss is always 0 and nothing is learned", call.where,
                        "give the output layer one unit per class, or use binary_cross_entropy_with_logits for one output")]
    if call.function == "nll_loss" and call.row_logsumexp is not None and abs(call.row_logsumexp) > _LOG_PROB_TOLERANCE:
        return [finding("ND121", f"nll_loss gets inputs that are not log-probabilities (logsumexp per row {number(call.row_logsumexp)}, expected 0); "
                        f"initial loss {number(call.value)} vs ln({call.classes}) = {number(math.log(call.classes or 1))}", call.where,
                        "apply log_softmax(dim=1) before NLLLoss, or use CrossEntropyLoss on the raw logits")]
    if call.function == "cross_entropy" and _probabilities(call):
        return [finding("ND124", f"cross_entropy gets probabilities (values in [0, 1], rows sum to {number(call.row_sum or 0)}): "
                        "it applies log_softmax itself, "
                        f"so the loss stays near ln({call.classes}) = {number(math.log(call.classes or 1))} and the gradients are tiny", call.where,
                        "pass the raw logits: drop the softmax at the end of the model")]
    if not scaled_inputs or "pos_weight" in call.options or not math.isfinite(call.value):
        return []
    chance = math.log(call.classes) if family == "softmax" and call.classes else math.log(2)
    if call.value > chance * (1 + CHANCE_TOLERANCE) and call.value > chance + 0.5:
        scale = f" (logit std {number(call.logit_std)})" if call.logit_std is not None and call.function != "binary_cross_entropy" else ""
        return [finding("ND121", f"initial loss {number(call.value)} is far above chance {number(chance)}{scale}: the model starts overconfident", call.where,
                        "initialise the last layer with small weights (e.g. scale by 0.1) and a zero bias; check the inputs are standardised")]
    return []


def _probabilities(call: LossCall) -> bool:
    return (call.input_min is not None and call.input_max is not None and call.row_sum is not None
            and call.input_min >= 0 and call.input_max <= 1 and abs(call.row_sum - 1) < _PROBABILITY_TOLERANCE)
