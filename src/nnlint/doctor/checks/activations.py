"""Activation checks (checklist items 28, 33, 35, 36): scale at initialisation, dead ReLUs, saturated sigmoid/tanh."""

from __future__ import annotations

import statistics

from nnlint.diagnostic import Diagnostic
from nnlint.doctor.codes import ACTIVATION_BAND, ACTIVATION_REPORT_FACTOR, DEAD_RELU_FRACTION, SATURATION_FRACTION, SATURATION_LEVEL
from nnlint.doctor.findings import Location, finding, number
from nnlint.doctor.observations import LayerRecord, Observations


def check(obs: Observations, found: frozenset[str]) -> list[Diagnostic]:
    if "ND102" in found:  # unscaled inputs explain odd activations downstream
        return []
    where = obs.model_call or obs.at_script
    layers = sorted(obs.layers.values(), key=lambda layer: layer.order)
    diagnostics = _scale(layers, where)
    dead = [layer for layer in layers if _dead_share(layer) is not None and (_dead_share(layer) or 0) >= DEAD_RELU_FRACTION]
    if dead:
        first = dead[0]
        units = f"; {first.dead_units_last:.0%} of its units are <= 0 for the whole batch" if first.dead_units_last is not None else ""
        start = f" (at step 0: {first.nonpos_init:.0%})" if first.nonpos_init is not None else ""
        diagnostics.append(finding("ND152", f"{first.label} outputs <= 0 for {_dead_share(first) or 0:.0%} of its values over the later half of the steps{start}{units}"
                                   f"{_others(dead)}; limit {DEAD_RELU_FRACTION:.0%}", first.where or first.defined or where,
                                   "lower the learning rate, keep biases at zero initially, or use LeakyReLU/GELU"))
    saturated = [layer for layer in layers if max(layer.saturated_init or 0, layer.saturated_last or 0) > SATURATION_FRACTION]
    if saturated:
        first = saturated[0]
        share = max(first.saturated_init or 0, first.saturated_last or 0)
        diagnostics.append(finding("ND153", f"{first.label} gets {share:.0%} of its inputs beyond +-{SATURATION_LEVEL:g}{_others(saturated)}: "
                                   f"it is saturated and passes almost no gradient (limit {SATURATION_FRACTION:.0%})", first.where or first.defined or where,
                                   "standardise the inputs, initialise the layer before it smaller, or add a normalisation layer"))
    return diagnostics


def _dead_share(layer: LayerRecord) -> float | None:
    """A ReLU's share of outputs <= 0: the median over the later half of the observed steps, so the verdict does not hang on the step where the run was cut."""
    if layer.nonpos_steps:
        return statistics.median(layer.nonpos_steps[len(layer.nonpos_steps) // 2:])
    return layer.nonpos_last


def _others(layers: list[LayerRecord]) -> str:
    return f" (and {len(layers) - 1} more layer(s): {', '.join(layer.label for layer in layers[1:4])})" if len(layers) > 1 else ""


def _scale(layers: list[LayerRecord], where: Location) -> list[Diagnostic]:
    """The first hidden layer (the output layer excluded) whose output std at init is far outside the band.

    A layer whose output next reaches a normalisation (activations, dropout and
    other embeddings in between) is not judged: the normalisation resets the
    scale, so a small std there is a choice (GPT-2's N(0, 0.02) embeddings ahead
    of a LayerNorm), not a vanishing signal.
    """
    measured = [layer for layer in layers if layer.has_params and layer.init_std is not None]
    low, high = ACTIVATION_BAND[0] / ACTIVATION_REPORT_FACTOR, ACTIVATION_BAND[1] * ACTIVATION_REPORT_FACTOR
    for layer in measured[:-1]:
        if layer.role == "normalisation" or _normalised_next(layer, layers):
            continue
        std = layer.init_std or 0.0
        if 0 < std < low or std > high:
            trend = ", ".join(f"{other.label} {number(other.init_std or 0)}" for other in measured[:6])
            direction = "vanishing" if std < low else "exploding"
            return [finding("ND151", f"{direction} activations at initialisation: {layer.label} has output std {number(std)}, "
                            f"more than {ACTIVATION_REPORT_FACTOR:g}x outside [{ACTIVATION_BAND[0]:g}, {ACTIVATION_BAND[1]:g}]", layer.defined or where,
                            "use He (kaiming) initialisation for ReLU layers, Xavier for tanh, or add normalisation layers",
                            notes=[f"output std per layer at step 0: {trend}"])]
    return []


def _normalised_next(layer: LayerRecord, layers: list[LayerRecord]) -> bool:
    """The next layer that transforms ``layer``'s output (skipping parameter-free layers and embeddings) is a normalisation."""
    for later in layers[layers.index(layer) + 1:]:
        if later.role == "normalisation":
            return True
        if later.has_params and later.role != "embedding":
            return False
    return False
