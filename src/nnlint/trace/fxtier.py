"""Tier 1: ``torch.fx`` symbolic tracing, then shape propagation on meta tensors.

The graph is module-level: ``nn.Linear`` stays one ``call_module`` node, so
findings talk about the user's layers. torch's own modules are leaves when they
have no children (and for attention and RNNs); a torch container that cannot be
traced through (``nn.TransformerEncoder`` checks its inputs with ``if``) is
retried as a leaf. When the user's own code cannot be traced, the capture chain
moves on to tier 2, which sees through it.

Shapes come from running the graph with an ``fx.Interpreter`` on meta tensors:
no memory, no arithmetic, about 0.3 ms per node.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import fx, nn

from nnlint.trace import fastshapes
from nnlint.trace.adapter import is_data_dependent
from nnlint.trace.errors import SpecMismatch
from nnlint.trace.frames import describe, user_frame
from nnlint.trace.meta import StayOnMeta

#: torch modules that stay leaves although they have children or control flow.
_ATOMIC = (nn.MultiheadAttention, nn.RNNBase)
_MAX_LEAF_RETRIES = 8


def _is_torch_module(module: nn.Module) -> bool:
    return type(module).__module__.startswith(("torch.nn", "torch.ao.nn"))


class NnlintTracer(fx.Tracer):
    """Records the user's file:line per node (cheaply) and knows which modules are leaves."""

    def __init__(self, forced_leaves: set[int]) -> None:
        super().__init__()
        self.forced_leaves = forced_leaves
        self.failed_in: nn.Module | None = None

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        if id(m) in self.forced_leaves:
            return True
        if not _is_torch_module(m) or isinstance(m, (nn.Sequential, nn.ModuleList, nn.ModuleDict)):
            return False
        return isinstance(m, _ATOMIC) or next(m.children(), None) is None

    def call_module(self, m: nn.Module, forward: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            return super().call_module(m, forward, args, kwargs)
        except Exception:
            if self.failed_in is None:
                self.failed_in = m  # the innermost module, since it fails first
            raise

    def create_node(self, kind: str, target: Any, args: Any, kwargs: Any, name: str | None = None, type_expr: Any = None) -> fx.Node:
        node = super().create_node(kind, target, args, kwargs, name, type_expr)
        node.meta["nnlint_loc"] = user_frame()
        return node


def concrete_defaults(model: nn.Module, given: int) -> dict[str, Any]:
    """forward() parameters beyond the given inputs, fixed to their defaults for tracing."""
    try:
        parameters = list(inspect.signature(model.forward).parameters.values())
    except (TypeError, ValueError):
        return {}
    rest = [p for p in parameters[given:] if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return {p.name: p.default for p in rest if p.default is not p.empty}


def trace_fx(model: nn.Module, given: int) -> fx.GraphModule:
    """Symbolically trace ``model``; torch containers that refuse are retried as leaves."""
    forced: set[int] = set()
    concrete = concrete_defaults(model, given)
    for _ in range(_MAX_LEAF_RETRIES):
        tracer = NnlintTracer(forced)
        try:
            with StayOnMeta():  # constants the forward makes with device="cpu" are traced on meta
                graph = tracer.trace(model, concrete_args=concrete or None)
        except Exception:
            failed = tracer.failed_in
            if failed is None or failed is model or not _is_torch_module(failed) or id(failed) in forced:
                raise
            forced.add(id(failed))
            continue
        return fx.GraphModule(model, graph)
    raise RuntimeError("too many torch modules could not be traced through")


class _Unknown:
    """The value of a node that depends on data the meta tensors do not have."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()


def flat_values(value: Any) -> list[Any]:
    """The leaves of nested tuples/lists/dicts of node arguments."""
    found: list[Any] = []
    fx.node.map_aggregate(value, lambda item: found.append(item))
    return found


class ShapeRun(fx.Interpreter):
    """Runs a traced graph on meta tensors and keeps each node's shape and dtype.

    Data-dependent operations (``nonzero``, ``.item()``) make their node and
    everything computed from it UNKNOWN instead of failing; any other error
    means the input spec does not fit the model and is reported with the node.
    """

    def __init__(self, module: fx.GraphModule) -> None:
        super().__init__(module, garbage_collect_values=True)
        self.extra_traceback = False  # errors are reported as one line with the node, see SpecMismatch
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.dtypes: dict[str, str] = {}
        self.unknown: set[str] = set()

    def run_node(self, n: fx.Node) -> Any:
        args, kwargs = self.fetch_args_kwargs_from_env(n)
        if any(item is UNKNOWN for item in flat_values((args, kwargs))):
            self.unknown.add(n.name)
            return UNKNOWN
        try:
            if n.op == "call_module":
                value = fastshapes.for_module(self.fetch_attr(str(n.target)), args, kwargs)
            else:
                value = fastshapes.for_call(n.op, n.target, args, kwargs)
            if value is None:
                value = getattr(self, n.op)(n.target, args, kwargs)
        except Exception as error:
            if is_data_dependent(error):
                self.unknown.add(n.name)
                return UNKNOWN
            if n.op == "call_module":
                what = f"{n.target} ({type(self.module.get_submodule(str(n.target))).__name__})"
            else:
                what = getattr(n.target, "__name__", str(n.target))
            shapes = [list(item.shape) for item in flat_values(args) if isinstance(item, torch.Tensor)]
            raise SpecMismatch(what, describe(n.meta.get("nnlint_loc")), shapes, error) from error
        if isinstance(value, torch.Tensor):
            self.shapes[n.name] = tuple(value.shape)
            self.dtypes[n.name] = str(value.dtype).removeprefix("torch.")
        return value


def propagate(module: fx.GraphModule, inputs: Sequence[torch.Tensor]) -> ShapeRun:
    """Shapes, dtypes and unknown nodes of one run of ``module`` on meta ``inputs``."""
    run = ShapeRun(module)
    with torch.device("meta"), torch.no_grad(), StayOnMeta():
        run.run(*inputs)
    return run
