"""All doctor checks: pure functions from ``Observations`` to diagnostics (no torch).

Families run in a fixed order and each sees the codes found before it, so a
finding already explained by an earlier one stays silent (unscaled inputs
explain a high initial loss and odd activations; a broadcast loss explains a
model that learns nothing from its input): one finding per cause.
"""

from __future__ import annotations

from collections.abc import Callable

from nnlint.diagnostic import Diagnostic
from nnlint.doctor.checks import activations, data, experiments, gradients, loss, runtime, updates
from nnlint.doctor.observations import Observations

Check = Callable[[Observations, frozenset[str]], list[Diagnostic]]

#: Experiments come last: failing to overfit is the symptom most earlier findings explain.
FAMILIES: tuple[Check, ...] = (data.check, loss.check, runtime.check, gradients.check, activations.check, updates.check, experiments.check)


def run_checks(obs: Observations) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    for family in FAMILIES:
        diagnostics.extend(family(obs, frozenset(d.code for d in diagnostics)))
    return sorted(diagnostics, key=Diagnostic.sort_key)
