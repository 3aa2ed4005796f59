"""Tier 3: record the path the forward pass actually takes, eagerly, on meta tensors.

When neither fx nor torch.export can capture a model (Python that inspects
values, objects export cannot flatten, ``if`` on tensor data), the tracer runs
``forward`` once with a ``TorchFunctionMode`` that writes every torch call into
an fx graph, and module hooks that keep the module stack. The graph has the same
node metadata as the other tiers, so every check runs unchanged.

Values meta tensors do not have are replaced by stand-ins and marked unknown:
``.item()`` returns 0, an ``if`` on a tensor takes the False branch (and the
report says where), ``nonzero``-like ops return their largest possible size.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import fx, nn
from torch.overrides import TorchFunctionMode

from nnlint.trace.adapter import is_data_dependent, tensors_in
from nnlint.trace.errors import SpecMismatch
from nnlint.trace.frames import describe, user_frame
from nnlint.trace.fxtier import flat_values
from nnlint.trace.meta import StayOnMeta


def _name(func: Callable[..., Any]) -> str:
    name = getattr(func, "__name__", "")
    if name == "__get__":  # a property such as Tensor.T arrives as its getter
        return getattr(getattr(func, "__self__", None), "__name__", name)
    return name


def _stand_in(name: str, args: Sequence[Any]) -> Any:
    """A value of the right kind for a data-dependent call; raises LookupError when there is none."""
    source = args[0] if args and isinstance(args[0], torch.Tensor) else None
    if name in ("__bool__", "is_nonzero"):
        return False
    if name in ("item", "__int__", "__index__", "__float__"):
        return 0
    if source is None:
        raise LookupError(name)
    if name == "tolist":
        return [0] * source.numel() if source.dim() == 1 else 0
    numel = source.numel()
    if name in ("nonzero", "argwhere"):
        return torch.empty(numel, source.dim(), dtype=torch.long, device="meta")
    if name in ("masked_select", "unique", "unique_consecutive", "flatnonzero"):
        return torch.empty(numel, dtype=source.dtype, device="meta")
    raise LookupError(name)


@dataclass
class Recording:
    graph: fx.Graph = field(default_factory=fx.Graph)
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    dtypes: dict[str, str] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    params: dict[str, str] = field(default_factory=dict)  # node name -> parameter FQN
    inputs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    branched: bool = False  # an `if` on tensor data was decided by a stand-in


class Recorder(TorchFunctionMode):
    """Writes every torch call of one forward pass into ``self.recording.graph``."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.recording = Recording()
        self.producers: dict[int, fx.Node] = {}
        self.alive: list[torch.Tensor] = []  # keeps ids unique while recording
        self.stack: list[tuple[str, str, str]] = []  # (call key, path, type)
        self.calls: dict[str, int] = {}
        self.constants: dict[str, fx.Node] = {}
        self.names = {id(p): name for name, p in model.named_parameters()}
        self.buffers = {id(b): name for name, b in model.named_buffers()}

    # -- module stack ---------------------------------------------------------
    def enter(self, path: str, module: nn.Module) -> None:
        count = self.calls.get(path, 0)
        self.calls[path] = count + 1
        self.stack.append((f"{path}@{count}" if count else path, path, f"{type(module).__module__}.{type(module).__qualname__}"))

    def leave(self) -> None:
        if self.stack:
            self.stack.pop()

    # -- graph building ---------------------------------------------------------
    def _bind(self, tensor: torch.Tensor, node: fx.Node) -> None:
        self.producers[id(tensor)] = node
        self.alive.append(tensor)
        self.recording.shapes[node.name] = tuple(tensor.shape)
        self.recording.dtypes[node.name] = str(tensor.dtype).removeprefix("torch.")

    def add_input(self, name: str, tensor: torch.Tensor) -> None:
        node = self.recording.graph.placeholder(name)
        self.recording.inputs.append(node.name)
        self._bind(tensor, node)

    def source(self, tensor: torch.Tensor) -> fx.Node:
        node = self.producers.get(id(tensor))
        if node is not None:
            return node
        key = self.names.get(id(tensor)) or self.buffers.get(id(tensor)) or f"_tensor_constant{len(self.constants)}"
        if key not in self.constants:
            node = self.recording.graph.get_attr(key)
            if id(tensor) in self.names:
                self.recording.params[node.name] = key
            self.constants[key] = node
            self._bind(tensor, node)
        return self.constants[key]

    def _arg(self, value: Any) -> Any:
        return self.source(value) if isinstance(value, torch.Tensor) else value

    def _record(self, func: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any], result: Any, unknown: bool) -> None:
        graph = self.recording.graph
        node = graph.call_function(func, fx.node.map_aggregate(tuple(args), self._arg), fx.node.map_aggregate(kwargs, self._arg))
        node.meta["nnlint_loc"] = user_frame()
        node.meta["nn_module_stack"] = {key: (path, kind) for key, path, kind in self.stack}
        inputs_unknown = any(isinstance(a, fx.Node) and a.name in self.recording.unknown for a in flat_values((node.args, node.kwargs)))
        if unknown or inputs_unknown:
            self.recording.unknown.add(node.name)
        if isinstance(result, torch.Tensor):
            self._bind(result, node)
            return
        for index, item in enumerate(result if isinstance(result, (tuple, list)) else ()):
            if isinstance(item, torch.Tensor):
                part = graph.call_function(operator.getitem, (node, index))
                part.meta.update(node.meta)
                if node.name in self.recording.unknown:
                    self.recording.unknown.add(part.name)
                self._bind(item, part)

    def __torch_function__(self, func: Callable[..., Any], types: Any, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        unknown = False
        try:
            result = func(*args, **kwargs)
        except Exception as error:
            name = _name(func)
            if not is_data_dependent(error):
                shapes = [list(a.shape) for a in flat_values((tuple(args), kwargs)) if isinstance(a, torch.Tensor)]
                raise SpecMismatch(name, describe(user_frame()), shapes, error) from error
            result = _stand_in(name, args)  # LookupError: no stand-in, the tier fails
            unknown = True
            where = user_frame()
            at = f" at {where[0]}:{where[1]}" if where else ""
            if name in ("__bool__", "is_nonzero"):
                self.recording.branched = True
                self.recording.notes.append(f"an `if` on tensor data{at} was not knowable; the False branch was traced")
            else:
                self.recording.notes.append(f"`{name}` depends on tensor data{at}; its result is unknown")
        if unknown or tensors_in(result):
            self._record(func, args, kwargs, result, unknown)
        return result


def record(model: nn.Module, inputs: Sequence[torch.Tensor], names: Sequence[str]) -> Recording:
    """Run ``model(*inputs)`` on meta tensors and return what it did."""
    recorder = Recorder(model)
    for name, tensor in zip(names, inputs):
        recorder.add_input(name, tensor)
    handles = []
    for path, module in model.named_modules():
        if not path:
            continue  # the root's own ops have an empty module stack, as in the other tiers
        handles.append(module.register_forward_pre_hook(lambda m, a, path=path: recorder.enter(path, m)))
        handles.append(module.register_forward_hook(lambda m, a, o: recorder.leave(), always_call=True))
    try:
        with torch.device("meta"), torch.no_grad(), recorder, StayOnMeta():
            output = model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    outputs = [recorder.source(t) for t in tensors_in(output)]
    recorder.recording.graph.output(tuple(outputs))
    return recorder.recording
