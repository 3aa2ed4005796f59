"""The fix the final-activation rules share: drop the activation in front of a loss that applies its own.

It lives beside the rules, not in ``analysis/losses.py``, because it builds a ``PendingFix``: the
analysis answers what a value went through (``losses.final_steps``), the rule layer edits code.
"""

from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.losses import Step
from nnlint.diagnostic import Applicability
from nnlint.rule import Cut, PendingFix


def remove_activation_fix(context: FileContext, loss_input: cst.BaseExpression | None, step: Step, title: str) -> PendingFix | None:
    """Drop the final activation where that is one local edit: applied in the loss call itself, or the
    last layer of an ``nn.Sequential(...)`` built in this file (unsafe: other code may use the model's output)."""
    if step.module_key != context.info.key:
        return None
    if step.node is loss_input and step.container is None and (inner := _applied_to(step)) is not None:
        cuts = (Cut((step.node, "start"), (inner, "start")), Cut((inner, "end"), (step.node, "end")))  # inner's parentheses go too
        return PendingFix(title, step.node, cuts=cuts, applicability=Applicability.UNSAFE)
    container = step.container
    if container is None or len(container.args) < 2 or container.args[-1].value is not step.node or syntax.has_star_args(container):
        return None
    args = list(container.args)
    activation = context.module.code_for_node(step.node)
    dropped = 1  # every trailing copy of the activation goes: Sigmoid(), Sigmoid() would still be reported
    while dropped < len(args) - 1 and context.module.code_for_node(args[-1 - dropped].value) == activation:
        dropped += 1
    last, comma = args[-1], args[-1].comma  # the cut: from the last kept layer to the end of the last argument, its comma kept
    ends_at: cst.CSTNode = comma if isinstance(comma, cst.Comma) else last
    cut = Cut((args[-1 - dropped], "end"), (ends_at, "end"), "," if ends_at is comma else "")
    return PendingFix(title, container, cuts=(cut,), applicability=Applicability.UNSAFE)


def _applied_to(step: Step) -> cst.BaseExpression | None:
    """``z`` in ``torch.sigmoid(z)`` / ``F.softmax(z, dim=1)`` / ``z.softmax(1)``."""
    if step.op.startswith("."):
        return step.node.func.value if isinstance(step.node.func, cst.Attribute) else None
    return syntax.argument(step.node, 0, "input")
