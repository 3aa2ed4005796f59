"""Checks on the experiments run on copies (checklist items 2, 4, 25, 27, 32): overfitting one batch, zeroed inputs, batch mixing."""

from __future__ import annotations

import math

from nnlint.diagnostic import Diagnostic
from nnlint.doctor.codes import IGNORES_INPUT_TOLERANCE, MIXING_TOLERANCE, OVERFIT_PASS_FRACTION, OVERFIT_SAMPLES
from nnlint.doctor.findings import curve, finding, number
from nnlint.doctor.observations import Observations, OverfitResult

#: Findings that explain why a model cannot overfit, or why its output ignores the input.
_EXPLAINS_OVERFIT = ("ND101", "ND102", "ND103", "ND12", "ND14", "ND15", "ND16", "ND17")
_EXPLAINS_IGNORED_INPUT = ("ND103", "ND122", "ND144", "ND151")  # zero inputs, a broadcast loss, vanishing signal


def check(obs: Observations, found: frozenset[str]) -> list[Diagnostic]:
    where = obs.model_call or obs.at_script
    diagnostics = []
    overfit = obs.overfit
    if overfit is not None and not _explained(found, _EXPLAINS_IGNORED_INPUT) and _ignores_input(overfit):
        diagnostics.append(finding(
            "ND111", f"trained {len(overfit.curve)} steps on one batch of {overfit.samples} samples, the model reaches loss "
            f"{number(overfit.final)} with the real inputs and {number(overfit.zeroed_curve[-1])} with the inputs zeroed "
            f"(tolerance {IGNORES_INPUT_TOLERANCE:.1%}): the output does not depend on the input",
            where, "check forward(): the input may be replaced, overwritten or disconnected from the output"))
    elif overfit is not None and not overfit.passed and not overfit.still_falling and _judged(obs, overfit) and not _explained(found, _EXPLAINS_OVERFIT):
        accuracy = f", accuracy {overfit.accuracy:.0%}" if overfit.accuracy is not None else ""
        ending = "became NaN/Inf" if not math.isfinite(overfit.final) else f"only reached {number(overfit.final)}"
        diagnostics.append(finding(
            "ND131", f"a fresh copy trained {len(overfit.curve)} steps on one fixed batch of {overfit.samples} samples: the loss went from "
            f"{number(overfit.start)} and {ending}{accuracy} (pass: below {OVERFIT_PASS_FRACTION:.0%} of the start or 100% accuracy)", where,
            "fix this before training on the full data: check the loss inputs, the learning rate and the layers that get no gradient",
            notes=[f"loss@step: {curve(overfit.curve)}"]))
    mixing = obs.mixing
    if mixing is not None and mixing.other_change > MIXING_TOLERANCE:
        diagnostics.append(finding(
            "ND112", f"in eval mode, changing sample 0 of {mixing.samples} changed the outputs of the other samples by {number(mixing.other_change)} "
            f"(relative to the output scale; tolerance {MIXING_TOLERANCE:g}): something mixes the batch", where,
            "look for BatchNorm forced into training mode, statistics over dim 0, or a view/reshape across the batch dimension"))
    return diagnostics


def _judged(obs: Observations, overfit: OverfitResult) -> bool:
    """The overfit run is the documented experiment: a batch cut to a handful of samples, at a learning rate the run has reached."""
    warming_up = any(len(group.lrs) > 1 and group.lrs[-1] > group.lrs[0] for group in obs.groups)
    return 0 < overfit.samples <= OVERFIT_SAMPLES and not warming_up


def _explained(found: frozenset[str], by: tuple[str, ...]) -> bool:
    return any(code.startswith(by) for code in found)


def _ignores_input(overfit: OverfitResult) -> bool:
    """Zeroed inputs learn as well as the real ones, over the same steps, and the real run cannot overfit.

    Both runs share the seed and the initial weights, so a model that ignores its
    input trains identically on zeros; any use of the input makes the real run
    end lower.
    """
    zeroed = overfit.zeroed_curve
    if overfit.passed or not overfit.targets_vary or len(zeroed) != len(overfit.curve) or len(zeroed) < 2:
        return False
    real, blind = overfit.final, zeroed[-1]
    return math.isfinite(real) and math.isfinite(blind) and blind <= real * (1 + IGNORES_INPUT_TOLERANCE) + 1e-6
