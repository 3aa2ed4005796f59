"""NaN-prone operations (checklist item 37), judged by value ranges (see ``ranges``).

An operation is reported only when its operand is computed from the model's
input and its range reaches the region where the operation breaks. Constants,
parameters and sizes are never reported: their values are not knowable here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from torch import fx

from nnlint.trace import ops
from nnlint.trace.checks.marking import describe_op, flag
from nnlint.trace.facts import Context, NodeFacts
from nnlint.trace.findings import Finding
from nnlint.trace.ranges import origin

Safe = Callable[[float, float], bool]



def _positive(low: float, high: float) -> bool:
    return low > 0


def _nonzero(low: float, high: float) -> bool:
    return low > 0 or high < 0


#: kind -> (argument holding the risky operand, when it is safe, what goes wrong)
RISKS: dict[str, tuple[int, Safe, str]] = {
    "log": (0, _positive, "log of a value that can be 0 or negative gives -inf/NaN"),
    "log2": (0, _positive, "log of a value that can be 0 or negative gives -inf/NaN"),
    "log10": (0, _positive, "log of a value that can be 0 or negative gives -inf/NaN"),
    "log1p": (0, lambda low, high: low > -1, "log1p of a value that can be <= -1 gives -inf/NaN"),
    "sqrt": (0, _positive, "sqrt of a value that can be 0 or negative: NaN, and an infinite gradient at 0"),
    "rsqrt": (0, _positive, "rsqrt of a value that can be 0 or negative gives inf/NaN"),
    "div": (1, _nonzero, "the denominator can be 0"),
    "rdiv": (0, _nonzero, "the denominator can be 0"),
    "exp": (0, lambda low, high: high < 88, "exp of an unbounded value overflows to inf"),
    "acos": (0, lambda low, high: -1 <= low and high <= 1, "acos outside [-1, 1] is NaN (and its gradient at ±1 is inf)"),
    "asin": (0, lambda low, high: -1 <= low and high <= 1, "asin outside [-1, 1] is NaN (and its gradient at ±1 is inf)"),
    "atanh": (0, lambda low, high: -1 < low and high < 1, "atanh at ±1 is inf and outside is NaN"),
}
_FRACTIONAL_POW = "a fractional or negative power of a value that can be 0 or negative gives inf/NaN"
_PROBABILITIES = {"softmax": "log_softmax", "sigmoid": "logsigmoid (F.logsigmoid)"}


def _risk(node: fx.Node, facts: NodeFacts) -> tuple[Any, Safe, str] | None:
    if facts.kind == "pow":
        exponent = ops.arg(node, 1, "exponent")
        if isinstance(exponent, (int, float)) and (exponent < 0 or not float(exponent).is_integer()):
            return ops.arg(node, 0, "input"), _positive, _FRACTIONAL_POW
        return None
    if facts.kind not in RISKS:
        return None
    index, safe, why = RISKS[facts.kind]
    return ops.arg(node, index, "other" if index else "input"), safe, why


def _range_text(low: float, high: float) -> str:
    return f"[{low:.3g}, {high:.3g}]"


def nan_prone(ctx: Context) -> Iterable[Finding]:
    """NT110 for unguarded risky operations, NT111 for log of probabilities."""
    for node, facts in ctx.live_nodes():
        risk = _risk(node, facts)
        if risk is None:
            continue
        operand, safe, why = risk
        if not isinstance(operand, fx.Node):
            continue
        source = operand.meta["nnlint"]
        if not source.data or safe(source.low, source.high):
            continue
        producer = origin(operand)
        made_by = producer.meta["nnlint"].kind if isinstance(producer, fx.Node) else "?"
        if facts.kind in ("log", "log2", "log10") and made_by in _PROBABILITIES:
            yield flag(facts, Finding(
                "NT111",
                f"{describe_op(node, facts)} takes the log of `{made_by}` output: probabilities underflow to 0 "
                f"and the log becomes -inf",
                node=node.name,
                help=f"use {_PROBABILITIES[made_by]} on the logits instead",
            ))
            continue
        yield flag(facts, Finding(
            "NT110",
            f"{describe_op(node, facts)}: {why}; its operand comes from `{made_by}` and nothing upstream "
            f"bounds it (range {_range_text(source.low, source.high)})",
            node=node.name,
            help="guard the operand: clamp/clamp_min(eps), + eps, softplus, or use a stable built-in",
        ))
