"""What every node of a captured graph is, in tier-independent terms.

One pass in graph order fills ``node.meta["nnlint"]`` with a ``NodeFacts``:
canonical operation kind, shape and dim provenance (labels), module path and
type, the user's source line, whether the value is computed from the input
(``data``) or unknown, which parameters the node brings in, and whether it
reaches the output. Checks read these facts; none of them re-derives them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from torch import fx, nn

from nnlint.trace import ops
from nnlint.trace.capture import Captured, Shape
from nnlint.trace.frames import Location, from_stack_trace
from nnlint.trace.primes import Assignment, Label, label_for, unverified_label
from nnlint.trace.regroup import regroup


@dataclass(slots=True)
class NodeFacts:
    kind: str
    shape: Shape | None
    dtype: str
    labels: tuple[Label, ...] | None
    module: str  # innermost module path; "" is the model itself
    module_type: str
    call: str  # one key per call of a module ("bn", "bn@1", ...)
    loc: Location | None
    unknown: bool
    data: bool  # computed from the model's input (not only from parameters, constants or sizes)
    params: tuple[str, ...]  # FQNs of the parameters this node brings into the graph
    live: bool = False  # reaches the output
    low: float = -math.inf  # value range, filled by ``ranges``
    high: float = math.inf
    reorder: tuple[str, str] | None = None  # a view that reorders dims: (input factors, output factors)
    flags: dict[str, str] = field(default_factory=dict)  # finding code -> short reason

    @property
    def text(self) -> str:
        """``[B, 64, H/2, W/2]``, or ``?`` for unknown values."""
        if self.labels is None:
            return "?" if self.unknown else ""
        return "[" + ", ".join(map(str, self.labels)) + "]"


@dataclass
class Context:
    """Everything checks and reporters need about one trace."""

    model: nn.Module
    captured: Captured
    first: Assignment
    second: Assignment
    batch: str | None  # the batch symbol
    batch_axis: int | None  # where the batch is in the first input
    modules: dict[str, nn.Module]
    param_names: dict[int, str]  # id(parameter) -> canonical FQN

    @property
    def graph(self) -> fx.Graph:
        return self.captured.graph

    def nodes(self) -> Iterable[tuple[fx.Node, NodeFacts]]:
        for node in self.captured.graph.nodes:
            yield node, node.meta["nnlint"]

    def live_nodes(self) -> Iterable[tuple[fx.Node, NodeFacts]]:
        """Nodes the output depends on: a bug in a discarded value cannot hurt training."""
        for node in self.captured.graph.nodes:
            facts = node.meta["nnlint"]
            if facts.live:
                yield node, facts


class _Labeller:
    """Labels per dimension, cached by (size in run 1, size in run 2, symbol hint)."""

    def __init__(self, first: Assignment, second: Assignment) -> None:
        self.first, self.second = first, second
        self.cache: dict[tuple[int, int | None, str | None], Label] = {}

    def __call__(self, size1: int, size2: int | None, hint: str | None) -> Label:
        key = (size1, size2, hint)
        if key not in self.cache:
            self.cache[key] = (
                unverified_label(size1, self.first)
                if size2 is None
                else label_for(size1, size2, self.first, self.second, hint)
            )
        return self.cache[key]


def _hint(label: Label | None) -> str | None:
    """The symbol an axis stands for: its only symbol, or the base of a derived size."""
    if label is None:
        return None
    symbols = set(label.symbols)
    return symbols.pop() if len(symbols) == 1 else label.base


def _module_of(node: fx.Node, modules: dict[str, nn.Module]) -> tuple[str, str, str]:
    """(path, type name, call key) of the innermost module the node belongs to."""
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return "", type(modules[""]).__name__, ""
    key, (path, kind) = next(reversed(stack.items()))
    module = modules.get(path)
    name = type(module).__name__ if module is not None else str(getattr(kind, "__name__", kind)).rsplit(".", 1)[-1]
    return path, name, key


def _params_of(node: fx.Node, ctx: Context, module: nn.Module | None) -> tuple[str, ...]:
    if node.op == "call_module" and module is not None:
        return tuple(ctx.param_names[id(p)] for p in module.parameters() if id(p) in ctx.param_names)
    fqn = ctx.captured.params.get(node.name)
    if fqn is None:
        return ()
    try:
        return (ctx.param_names.get(id(ctx.model.get_parameter(fqn)), fqn),)
    except AttributeError:
        return (fqn,)


def _labels(node: fx.Node, shape: Shape, ctx: Context, label: _Labeller) -> tuple[tuple[Label, ...], tuple[str, str] | None]:
    shape2 = ctx.captured.shapes2.get(node.name)
    if shape2 is not None and len(shape2) != len(shape):
        shape2 = None
    sizes = [(s, shape2[i] if shape2 is not None else None) for i, s in enumerate(shape)]
    inherited: dict[tuple[int, int | None], Label] = {}
    axes: tuple[Label, ...] = ()
    for source in node.all_input_nodes:
        facts = source.meta.get("nnlint")
        if facts is None or facts.labels is None or facts.shape is None:
            continue
        shape_in2 = ctx.captured.shapes2.get(source.name)
        if not axes and len(facts.labels) == len(shape):
            axes = facts.labels
        for i, lab in enumerate(facts.labels):
            key = (facts.shape[i], shape_in2[i] if shape_in2 is not None and len(shape_in2) == len(facts.shape) else None)
            if lab.exact and (key not in inherited or (lab.ordered and not inherited[key].ordered)):
                inherited[key] = lab
    labels = tuple(
        inherited.get(key) or label(key[0], key[1], _hint(axes[i]) if axes else None) for i, key in enumerate(sizes)
    )
    source = ops.arg(node, 0, "input")
    if node.meta["nnlint"].kind not in ops.VIEWS or not isinstance(source, fx.Node) or shape2 is None:
        return labels, None
    before = source.meta.get("nnlint")
    before2 = ctx.captured.shapes2.get(source.name)
    if before is None or before.labels is None or before.shape is None or before2 is None:
        return labels, None
    result = regroup(before.labels, list(zip(before.shape, before2)), labels, list(zip(shape, shape2)))
    return (result.labels or labels), result.reordered


def analyse(model: nn.Module, captured: Captured, first: Assignment, second: Assignment, batch: str | None, batch_axis: int | None) -> Context:
    """Fill ``node.meta["nnlint"]`` for every node and return the context checks work in."""
    modules = dict(model.named_modules())
    names = {id(p): name for name, p in model.named_parameters()}
    ctx = Context(model, captured, first, second, batch, batch_axis, modules, names)
    label = _Labeller(first, second)
    inputs = set(captured.inputs)
    for node in captured.graph.nodes:
        path, type_name, call = _module_of(node, modules)
        called = modules.get(str(node.target)) if node.op == "call_module" else None
        shape = captured.shapes.get(node.name)
        loc = node.meta.get("nnlint_loc") or from_stack_trace(node.meta.get("stack_trace"))
        data = shape is not None and (node.name in inputs or any(n.meta["nnlint"].data for n in node.all_input_nodes))
        facts = NodeFacts(
            kind=ops.kind(node, called),
            shape=shape,
            dtype=captured.dtypes.get(node.name, ""),
            labels=None,
            module=path,
            module_type=type_name,
            call=call,
            loc=loc,
            unknown=node.name in captured.unknown,
            data=data,
            params=(),
        )
        node.meta["nnlint"] = facts
        facts.params = _params_of(node, ctx, called)
        if shape is not None:
            facts.labels, facts.reorder = _labels(node, shape, ctx, label)
    _mark_live(captured.graph)
    return ctx


def _mark_live(graph: fx.Graph) -> None:
    """A node is live when the output depends on it; a parameter's node is live when a live node uses the parameter.

    torch.export lists a tied weight (nanoGPT's ``wte.weight = lm_head.weight``)
    once per module and feeds both uses from one of them: the other input is
    unused in the graph, yet its parameter reaches the output.
    """
    pending = [node for node in graph.nodes if node.op == "output"]
    while pending:
        node = pending.pop()
        facts = node.meta["nnlint"]
        if facts.live:
            continue
        facts.live = True
        pending.extend(node.all_input_nodes)
    used = {name for node in graph.nodes if node.meta["nnlint"].live for name in node.meta["nnlint"].params}
    for node in graph.nodes:
        facts = node.meta["nnlint"]
        if not facts.live and node.op in ("placeholder", "get_attr") and facts.params and set(facts.params) <= used:
            facts.live = True
