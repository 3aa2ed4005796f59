"""Checks on events during the run (checklist items 32, 37): where a NaN starts, and the train/eval mode."""

from __future__ import annotations

from nnlint.diagnostic import Diagnostic
from nnlint.doctor.findings import finding
from nnlint.doctor.observations import Observations

_MODE_MESSAGES = {
    "train-in-evaluation": ("ND181", "{model} runs under no_grad (evaluation) while in train mode, with {layers}",
                            "call model.eval() before evaluating and model.train() after"),
    "eval-in-training": ("ND182", "{model} is trained while in eval mode, with {layers}",
                         "call model.train() before the training loop (again after each evaluation)"),
}


def check(obs: Observations, found: frozenset[str]) -> list[Diagnostic]:
    diagnostics = []
    origin = obs.nan
    if origin is not None:
        if origin.op is not None:
            inside = f" in {origin.module}" if origin.module else ""
            message = (f"{origin.symptom} became NaN/Inf at step {origin.step}; the first op to produce a non-finite value "
                       f"from finite inputs is {origin.op}{inside} ({origin.stage} pass)")
        else:
            message = f"{origin.symptom} became NaN/Inf at step {origin.step}; the op that started it is unknown: {origin.reason}"
        diagnostics.append(finding("ND171", message, origin.where or obs.model_call or obs.at_script,
                                   "guard the op (log(x + eps), clamp before division or sqrt, log_softmax instead of log(softmax)) "
                                   "or lower the learning rate if values grow until they overflow"))
    for kind in _MODE_MESSAGES:
        event = next((e for e in obs.mode_events if e.kind == kind), None)
        if event is not None:
            code, message, advice = _MODE_MESSAGES[kind]
            diagnostics.append(finding(code, message.format(model=event.model, layers=", ".join(event.layers)) + f" (step {event.step})", event.where, advice))
    return diagnostics
