"""Hand-written gradient accumulation: a loop that back-propagates every micro-batch and steps its
optimizer only under ``if (i + 1) % k == 0:``.

The accumulation rules (the loss not divided by k, gradients zeroed every micro-batch, a scheduler
stepped every micro-batch) share one reading of such a loop: which ``step()`` is the accumulating one
and what ``k`` is, as written in the modulo test.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.optim import Event, Op, optimizer_steps


@dataclass(frozen=True)
class Accumulation:
    step: Event  # the optimizer's step(), under the modulo test
    k: cst.BaseExpression  # micro-batches per step, as the test writes it


def modulus(step: Event) -> cst.BaseExpression | None:
    """``k`` when ``step`` runs under ``if ... % k == 0`` (k not the literal 1)."""
    for arm in step.path:
        if arm.index != 0 or arm.test is None:
            continue
        for node in _walk(arm.test):
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
                k = node.right
                if not (isinstance(k, cst.Integer) and int(k.value) <= 1):
                    return k
    return None


def accumulation(events: list[Event]) -> Accumulation | None:
    """The accumulating step of a loop that back-propagates on every iteration (unconditionally)."""
    if not any(event.op is Op.BACKWARD and not event.path and event.depth == 0 for event in events):
        return None
    for _, step in optimizer_steps(events):
        k = modulus(step)
        if k is not None:
            return Accumulation(step, k)
    return None


def _walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    found = [node]
    for child in syntax.children(node):
        found.extend(_walk(child))
    return found
