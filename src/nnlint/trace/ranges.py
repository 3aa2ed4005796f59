"""Value ranges: an interval per tensor, so a NaN check can ask "can this be <= 0?".

The interval is sound for the operations listed here and unbounded for every
other one, which is what keeps the NaN checks quiet where nothing is known.
One deliberate exception, from the checklist's own advice: ``x + eps`` with a
positive constant counts as a guard even when ``x`` is unbounded, because the
author stated the intent and the usual ``x`` (a probability, a variance) is
non-negative.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from torch import fx

from nnlint.trace import ops
from nnlint.trace.facts import Context

Interval = tuple[float, float]
TINY = 5e-324  # "strictly positive, no known bound": exp, softplus
ANY: Interval = (-math.inf, math.inf)


def _of(value: Any) -> Interval | None:
    if isinstance(value, fx.Node):
        facts = value.meta["nnlint"]
        return (facts.low, facts.high)
    if isinstance(value, bool):
        return (float(value), float(value))
    if isinstance(value, (int, float)):
        return (float(value), float(value))
    return None


def _mul(a: float, b: float) -> float:
    return 0.0 if a == 0 or b == 0 else a * b


def _times(x: Interval, y: Interval) -> Interval:
    products = [_mul(a, b) for a in x for b in y]
    return (min(products), max(products))


def _exp(value: float) -> float:
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def origin(node: Any) -> Any:
    """The op that computed ``node``'s values, looking through views, copies and ``getitem``."""
    while isinstance(node, fx.Node) and node.meta["nnlint"].kind in ops.TRANSPARENT:
        source = ops.arg(node, 0, "input")
        if not isinstance(source, fx.Node):
            break
        node = source
    return node


def _add(node: fx.Node) -> Interval:
    x, y = _of(ops.arg(node, 0, "input")), _of(ops.arg(node, 1, "other"))
    if x is None or y is None:
        return ANY
    low, high = x[0] + y[0], x[1] + y[1]
    if math.isnan(low) or math.isnan(high):
        return ANY
    for value, other in ((x, y), (y, x)):
        if value[0] == value[1] and value[0] > 0 and other[0] == -math.inf:
            low = value[0]  # `x + eps`: trusted as a guard (see the module docstring)
    return (low, high)


def _sub(node: fx.Node) -> Interval:
    x, y = _of(ops.arg(node, 0, "input")), _of(ops.arg(node, 1, "other"))
    if x is None or y is None:
        return ANY
    low, high = x[0] - y[1], x[1] - y[0]
    subtracted = origin(ops.arg(node, 1, "other"))
    if (
        isinstance(subtracted, fx.Node)
        and subtracted.meta["nnlint"].kind in ("amax", "max", "logsumexp")
        and origin(ops.arg(subtracted, 0, "input")) is origin(ops.arg(node, 0, "input"))
    ):
        high = min(high, 0.0)  # x - max(x): the log-sum-exp trick
    return ANY if math.isnan(low) or math.isnan(high) else (low, high)


def _rsub(node: fx.Node) -> Interval:
    x, c = _of(ops.arg(node, 0, "input")), _of(ops.arg(node, 1, "other"))
    return ANY if x is None or c is None else (c[0] - x[1], c[1] - x[0])


def _divide(x: Interval | None, y: Interval | None) -> Interval:
    if x is None or y is None or not (y[0] > 0 or y[1] < 0):
        return ANY
    inverse = (1 / y[1] if y[1] not in (0, math.inf) else 0.0, 1 / y[0] if y[0] != 0 else math.inf)
    if y[1] < 0:
        inverse = (1 / y[0] if y[0] != -math.inf else 0.0, 1 / y[1])
    return _times(x, (min(inverse), max(inverse)))


def _pow(node: fx.Node) -> Interval:
    x, exponent = _of(ops.arg(node, 0, "input")), ops.arg(node, 1, "exponent")
    if x is None or not isinstance(exponent, (int, float)):
        return ANY
    if x[0] > 0:
        return (TINY, math.inf)
    if float(exponent).is_integer() and int(exponent) % 2 == 0 and exponent > 0:
        return (0.0, math.inf)
    return (0.0, math.inf) if x[0] >= 0 and exponent > 0 else ANY


def _clamp(node: fx.Node, low_at: int | None, high_at: int | None) -> Interval:
    x = _of(ops.arg(node, 0, "input")) or ANY
    low = ops.arg(node, low_at, "min") if low_at is not None else None
    high = ops.arg(node, high_at, "max") if high_at is not None else None
    lo = max(x[0], float(low)) if isinstance(low, (int, float)) else x[0]
    hi = min(x[1], float(high)) if isinstance(high, (int, float)) else x[1]
    return (lo, hi)


def _reduce_sum(x: Interval) -> Interval:
    if x[0] > 0:
        return (x[0], math.inf)
    if x[0] >= 0:
        return (0.0, math.inf)
    if x[1] < 0:
        return (-math.inf, x[1])
    return (-math.inf, 0.0) if x[1] <= 0 else ANY


def _union(values: list[Interval | None]) -> Interval:
    known = [v for v in values if v is not None]
    if not known or len(known) != len(values):
        return ANY
    return (min(v[0] for v in known), max(v[1] for v in known))


def _first(node: fx.Node) -> Interval:
    return _of(ops.arg(node, 0, "input")) or ANY


def _unary(fn: Callable[[Interval], Interval]) -> Callable[[fx.Node], Interval]:
    return lambda node: fn(_first(node))


RULES: dict[str, Callable[[fx.Node], Interval]] = {
    "add": _add,
    "sub": _sub,
    "rsub": _rsub,
    "mul": lambda n: _times(_of(ops.arg(n, 0, "input")) or ANY, _of(ops.arg(n, 1, "other")) or ANY),
    "div": lambda n: _divide(_of(ops.arg(n, 0, "input")), _of(ops.arg(n, 1, "other"))),
    "rdiv": lambda n: _divide(_of(ops.arg(n, 1, "other")), _of(ops.arg(n, 0, "input"))),
    "neg": _unary(lambda x: (-x[1], -x[0])),
    "exp": _unary(lambda x: (max(_exp(x[0]), TINY), _exp(x[1]))),
    "softplus": _unary(lambda x: (TINY, x[1] + 0.7 if x[1] < math.inf else math.inf)),
    "sigmoid": lambda n: (0.0, 1.0),
    "softmax": lambda n: (0.0, 1.0),
    "tanh": lambda n: (-1.0, 1.0),
    "sin": lambda n: (-1.0, 1.0),
    "cos": lambda n: (-1.0, 1.0),
    "log_softmax": lambda n: (-math.inf, 0.0),
    "log_sigmoid": lambda n: (-math.inf, 0.0),
    "relu": _unary(lambda x: (max(x[0], 0.0), max(x[1], 0.0))),
    "relu6": _unary(lambda x: (min(max(x[0], 0.0), 6.0), min(max(x[1], 0.0), 6.0))),
    "abs": _unary(lambda x: (0.0 if x[0] <= 0 <= x[1] else min(abs(x[0]), abs(x[1])), max(abs(x[0]), abs(x[1])))),
    "square": _unary(lambda x: (0.0 if x[0] <= 0 <= x[1] else min(x[0] ** 2, x[1] ** 2), max(x[0] ** 2, x[1] ** 2))),
    "pow": _pow,
    "sqrt": _unary(lambda x: (math.sqrt(max(x[0], 0.0)), math.sqrt(x[1]) if x[1] >= 0 else 0.0)),
    "rsqrt": _unary(lambda x: (TINY, 1 / math.sqrt(x[0])) if x[0] > 0 else (0.0, math.inf)),
    "clamp": lambda n: _clamp(n, 1, 2),
    "clamp_min": lambda n: _clamp(n, 1, None),
    "clamp_max": lambda n: _clamp(n, None, 1),
    "hardtanh": lambda n: _clamp(n, 1, 2),
    "sum": _unary(_reduce_sum),
    "cumsum": _unary(_reduce_sum),
    "norm": lambda n: (0.0, math.inf),
    "linalg_vector_norm": lambda n: (0.0, math.inf),
    "std": lambda n: (0.0, math.inf),
    "var": lambda n: (0.0, math.inf),
    "dropout": _unary(lambda x: (min(x[0], 0.0), x[1] if x[1] <= 0 else math.inf)),
    "cat": lambda n: _union([_of(v) for v in (ops.arg(n, 0, "tensors") or ())]),
    "stack": lambda n: _union([_of(v) for v in (ops.arg(n, 0, "tensors") or ())]),
    "where": lambda n: _union([_of(ops.arg(n, 1, "input")), _of(ops.arg(n, 2, "other"))]),
    "full": lambda n: _of(ops.arg(n, 1, "fill_value")) or ANY,
    "full_like": lambda n: _of(ops.arg(n, 1, "fill_value")) or ANY,
    "scalar_tensor": lambda n: _of(ops.arg(n, 0, "s")) or ANY,
    "ones": lambda n: (1.0, 1.0),
    "ones_like": lambda n: (1.0, 1.0),
    "zeros": lambda n: (0.0, 0.0),
    "zeros_like": lambda n: (0.0, 0.0),
}
def _extreme(pick: Callable[[float, float], float]) -> Callable[[fx.Node], Interval]:
    """``max``/``min``: a reduction keeps its input's range; against another tensor both combine."""

    def rule(node: fx.Node) -> Interval:
        x, other = _first(node), ops.arg(node, 1, "other")
        if not isinstance(other, fx.Node) or other.meta["nnlint"].shape is None:
            return x  # max(x, dim): a reduction
        y = _of(other) or ANY
        return (pick(x[0], y[0]), pick(x[1], y[1]))

    return rule


RULES.update(max=_extreme(max), maximum=_extreme(max), min=_extreme(min), minimum=_extreme(min))
for _name in ("mean", "amax", "amin", "median", "nanmean"):
    RULES[_name] = _first
for _name in ops.TRANSPARENT:
    RULES.setdefault(_name, _first)


def annotate(ctx: Context) -> None:
    """Fill ``low``/``high`` of every tensor node, in graph order."""
    for node, facts in ctx.nodes():
        if facts.shape is None or node.op not in ("call_function", "call_method", "call_module"):
            continue
        rule = RULES.get(facts.kind)
        if rule is not None:
            facts.low, facts.high = rule(node)
