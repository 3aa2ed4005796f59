"""Hidden dimension bugs (checklist item 25), read from prime-dimension labels.

Only exact labels are trusted (see ``primes``): a derived size never produces a
finding. The batch symbol is the spec's ``B``/``N`` or the first input's leading
free dim; without one, the batch checks stay silent.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from typing import Any

from torch import fx, nn

from nnlint.trace import ops
from nnlint.trace.checks.marking import describe_op, flag
from nnlint.trace.facts import Context, NodeFacts
from nnlint.trace.findings import Finding
from nnlint.trace.primes import Label

#: Operations with a ``dim`` argument that mix values along it, and where that argument is.
DIM_ARGUMENT = {
    "softmax": 1, "log_softmax": 1, "sum": 1, "mean": 1, "amax": 1, "amin": 1, "max": 1, "min": 1,
    "argmax": 1, "argmin": 1, "logsumexp": 1, "std": 1, "var": 1, "prod": 1, "median": 1, "cumsum": 1,
    "norm": 2, "linalg_vector_norm": 2, "normalize": 2,
}
#: Elementwise operations between two tensors that broadcast.
BINARY = frozenset({"add", "sub", "rsub", "mul", "div", "rdiv", "pow", "maximum", "minimum", "eq", "ne", "lt",
                    "le", "gt", "ge", "atan2", "hypot", "remainder", "fmod", "where"})


def _facts(value: Any) -> NodeFacts | None:
    return value.meta["nnlint"] if isinstance(value, fx.Node) else None


def view_reorders_dims(ctx: Context) -> Iterable[Finding]:
    """NT101: a view/reshape whose factors come out in another order."""
    for node, facts in ctx.live_nodes():
        if facts.reorder is None:
            continue
        before = _facts(ops.arg(node, 0, "input"))
        yield flag(facts, Finding(
            "NT101",
            f"{describe_op(node, facts)} turns {before.text if before else '?'} into {facts.text}: the factors "
            f"{facts.reorder[0]} come out as {facts.reorder[1]}, so values of different positions get interleaved",
            node=node.name,
            help="view/reshape only merge or split neighbouring dims; move a dim with transpose/permute first",
        ))


def _contracted(node: fx.Node, facts: NodeFacts, ctx: Context) -> list[tuple[NodeFacts, int]]:
    """(operand, dim) pairs that a Linear/matmul/conv sums over."""
    if facts.kind == "linear":
        x = _facts(ops.arg(node, 0, "input"))
        return [(x, -1)] if x is not None else []
    if facts.kind in ("mm", "bmm", "matmul", "addmm"):
        first = 1 if facts.kind == "addmm" else 0
        a, b = _facts(ops.arg(node, first, "input")), _facts(ops.arg(node, first + 1, "mat2"))
        pairs = [(a, -1)] if a is not None else []
        if b is not None and b.shape is not None and len(b.shape) >= 2:
            pairs.append((b, -2))
        return pairs
    if facts.kind in ("conv", "conv_transpose"):
        x = _facts(ops.arg(node, 0, "input"))
        if node.op == "call_module":
            module: Any = ctx.modules[str(node.target)]
            weight_rank, groups = module.weight.dim(), module.groups
        else:  # conv2d(x, w, b, stride, padding, dilation, groups); aten convolution has 2 more before groups
            weight = _facts(ops.arg(node, 1, "weight"))
            weight_rank = len(weight.shape) if weight is not None and weight.shape is not None else None
            groups = ops.arg(node, 8 if "convolution" in str(node.target) else 6, "groups", 1)
        if x is None or x.shape is None or weight_rank is None or groups != 1:
            return []  # grouped convs fold samples into channels on purpose (per-sample kernels)
        return [(x, 1 if len(x.shape) == weight_rank else 0)]
    return []


def batch_merged_into_features(ctx: Context) -> Iterable[Finding]:
    """NT102: the batch symbol inside a dimension that a Linear/matmul/conv contracts."""
    if ctx.batch is None:
        return
    for node, facts in ctx.live_nodes():
        for operand, dim in _contracted(node, facts, ctx):
            if not operand.data or operand.labels is None or not operand.labels:
                continue
            label = operand.labels[dim]
            if label.has(ctx.batch):
                what = "the batch dim" if label.symbols == (ctx.batch,) else f"dim {label}, which contains the batch dim"
                yield flag(facts, Finding(
                    "NT102",
                    f"{describe_op(node, facts)} sums over {what} {ctx.batch} (operand {operand.text}): every "
                    "output mixes all samples of the batch",
                    node=node.name,
                    help=f"keep {ctx.batch} as its own leading dim, e.g. x.flatten(1) instead of x.view(-1)",
                ))
                break


def _outputs(ctx: Context) -> list[fx.Node]:
    found: list[fx.Node] = []
    for node in ctx.graph.nodes:
        if node.op == "output":
            fx.node.map_arg(node.args, found.append)
    return found


#: aten ops of the recurrent layers; their results after the first are hidden states.
_RECURRENT_OPS = ("aten.lstm.", "aten.gru.", "aten.rnn_tanh.", "aten.rnn_relu.")


def _recurrent_state(ctx: Context, node: fx.Node) -> bool:
    """Whether ``node`` is (part of) the hidden state an RNN/LSTM/GRU returns: (layers, B, H) whatever batch_first says."""
    index = None
    while node.op == "call_function" and node.target is operator.getitem and isinstance(node.args[0], fx.Node):
        index, node = node.args[1], node.args[0]
    if not isinstance(index, int) or index < 1:
        return False
    if node.op == "call_module":
        return isinstance(ctx.modules.get(str(node.target)), nn.RNNBase)
    return node.op == "call_function" and str(node.target).startswith(_RECURRENT_OPS)


def output_not_batch_first(ctx: Context) -> Iterable[Finding]:
    """NT103: an output tensor whose batch dim is not where the input had it."""
    axis = ctx.batch_axis
    if ctx.batch is None or axis is None:
        return
    for index, node in enumerate(_outputs(ctx)):
        facts = node.meta["nnlint"]
        labels = facts.labels
        if labels is None or not any(label.has(ctx.batch) for label in labels) or _recurrent_state(ctx, node):
            continue
        here = labels[axis] if axis < len(labels) else None
        if here is not None and here.has(ctx.batch) and (here.leads_with(ctx.batch) or not here.ordered):
            continue
        found_at = next(i for i, label in enumerate(labels) if label.has(ctx.batch))
        where = (
            f"axis {axis} is {labels[axis]}, with the batch dim {ctx.batch} not first, so rows are not grouped by sample"
            if found_at == axis
            else f"the batch dim {ctx.batch} is at axis {found_at}, but the input has it at axis {axis}"
        )
        yield flag(facts, Finding(
            "NT103",
            f"output {index} has shape {facts.text}: {where}",
            node=node.name,
            help="transpose/permute the output back so that targets line up with their samples",
        ))


def _dims(value: Any, rank: int) -> list[int] | None:
    if isinstance(value, int):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) for v in value):
        return None
    return [v % rank for v in value] if rank else None


def _reduced_dims(node: fx.Node, facts: NodeFacts, rank: int, ctx: Context) -> list[int] | None:
    if node.op == "call_module":
        value = getattr(ctx.modules[str(node.target)], "dim", None)
    else:
        value = ops.arg(node, DIM_ARGUMENT[facts.kind], "dim")
        if isinstance(value, fx.Node):
            return None  # max(x, other): elementwise
    if value is None and facts.kind in ("softmax", "log_softmax"):
        value = 0 if rank in (0, 1, 3) else 1  # the legacy implicit dim of F.softmax(x)
    return _dims(value, rank)


def reduction_over_batch(ctx: Context) -> Iterable[Finding]:
    """NT104: softmax/normalisation/reduction whose dim is the batch."""
    if ctx.batch is None:
        return
    for node, facts in ctx.live_nodes():
        if facts.kind not in DIM_ARGUMENT or any(word in facts.module_type.lower() for word in ("norm", "loss")):
            continue
        source = _facts(ops.arg(node, 0, "input"))
        if source is None or not source.data or source.labels is None or source.shape is None:
            continue
        dims = _reduced_dims(node, facts, len(source.shape), ctx)
        hit = [d for d in dims or () if source.labels[d].has(ctx.batch)]
        if hit:
            yield flag(facts, Finding(
                "NT104",
                f"{describe_op(node, facts)} runs over dim {hit[0]} of {source.text}, which is the batch dim "
                f"{ctx.batch}: each result depends on the other samples in the batch",
                node=node.name,
                help="reduce over the feature/class dims (usually dim=-1), never over the batch",
            ))


def _grown(shape: Sequence[int], out: Sequence[int]) -> set[int]:
    """Output axes (counted from the left of ``out``) along which ``shape`` was stretched."""
    offset = len(out) - len(shape)
    return {i for i in range(len(out)) if out[i] > 1 and (i < offset or shape[i - offset] == 1)}


def broadcast_grows_both(ctx: Context) -> Iterable[Finding]:
    """NT105: a broadcast that stretches each operand along a different dimension."""
    for node, facts in ctx.live_nodes():
        if facts.kind not in BINARY or facts.shape is None or facts.labels is None:
            continue
        first = 1 if facts.kind == "where" else 0
        a, b = ops.arg(node, first, "input"), ops.arg(node, first + 1, "other")
        fa, fb = _facts(a), _facts(b)
        if fa is None or fb is None or not (fa.data and fb.data) or fa.shape is None or fb.shape is None:
            continue
        if fa.kind in ops.EXPLICIT_BROADCAST and fb.kind in ops.EXPLICIT_BROADCAST:
            continue  # both sides shaped on purpose: an outer operation
        grown_a, grown_b = _grown(fa.shape, facts.shape), _grown(fb.shape, facts.shape)
        if not grown_a or not grown_b:
            continue
        labels: Sequence[Label] = facts.labels
        if not any(labels[i].symbols for i in grown_a | grown_b):
            continue
        yield flag(facts, Finding(
            "NT105",
            f"{describe_op(node, facts)} broadcasts {fa.text} with {fb.text} into {facts.text}: each operand is "
            f"stretched along a different dim, so the result is larger than both",
            node=node.name,
            help="make the shapes agree explicitly (squeeze/unsqueeze the operand that is off by a dim)",
        ))
