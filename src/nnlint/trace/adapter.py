"""The one place that touches torch's unstable tracing APIs.

``torch.export``, ``make_fx`` and the fake-tensor exception classes change from
release to release. Everything the tracer needs from them goes through the
functions below, which return plain fx graphs whose placeholders are renamed to
nnlint's conventions; when torch moves, only this module changes.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import fx, nn

#: Loggers that print tracebacks for errors the tracer catches and reports itself.
_NOISY_LOGGERS = (
    "torch._subclasses.fake_tensor",
    "torch._dynamo",
    "torch.export",
    "torch._export",
    "torch.fx.experimental.symbolic_shapes",
    "torch._functorch",
    "torch.__trace",
)

#: Messages of errors raised by meta kernels for values they cannot know.
_META_DATA_MESSAGES = (
    "cannot be called on meta tensors",
    "no fake impl or Meta kernel registered",
    "data-independent implementation does not exist",
)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence torch's own reports (logs, graph dumps on stderr) of errors the capture chain handles."""
    loggers = [logging.getLogger(name) for name in _NOISY_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def is_data_dependent(error: BaseException) -> bool:
    """True when ``error`` means "this value depends on tensor data", not "these shapes are wrong"."""
    if isinstance(error, NotImplementedError):
        return True  # meta kernels: data-dependent output size, or no meta kernel at all
    names = {cls.__name__ for cls in type(error).__mro__}
    if names & {"DataDependentOutputException", "DynamicOutputShapeException", "GuardOnDataDependentSymNode"}:
        return True
    return any(text in str(error) for text in _META_DATA_MESSAGES)


class _TensorOutputs(nn.Module):
    """Wraps a model so that its output is a flat tuple of tensors.

    ``torch.export`` refuses outputs it cannot flatten (Hugging Face's cache
    objects, custom classes); the tracer only needs the tensors in them.
    """

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, *args: Any, **kwargs: Any) -> tuple[torch.Tensor, ...]:
        return tuple(tensors_in(self.inner(*args, **kwargs)))


def tensors_in(value: Any) -> list[torch.Tensor]:
    """The tensors of a (nested) output: tuples, lists, dicts and dict-like model outputs."""
    found: list[torch.Tensor] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, torch.Tensor):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
    return found


@dataclass
class AtenGraph:
    """An aten-level graph with nnlint's conventions.

    ``params`` maps placeholder names to parameter FQNs; ``inputs`` are the user
    input placeholders in order; module paths in ``nn_module_stack`` are relative
    to the user's model.
    """

    graph: fx.Graph
    params: dict[str, str]
    inputs: list[str]


_PREFIX = "inner."


def _strip_module_stacks(graph: fx.Graph) -> None:
    for node in graph.nodes:
        stack = node.meta.get("nn_module_stack")
        if not stack:
            continue
        cleaned = {}
        for key, (path, kind) in stack.items():
            if path == "inner":
                continue  # the user's model itself: the root
            cleaned[key] = (path.removeprefix(_PREFIX), kind)
        node.meta["nn_module_stack"] = cleaned


def export_graph(model: nn.Module, args: Sequence[torch.Tensor]) -> AtenGraph:
    """``torch.export.export(strict=False)``: aten ops, module stacks, stack traces, fake values."""
    with quiet():
        program = torch.export.export(_TensorOutputs(model), tuple(args), strict=False)
    signature = program.graph_signature
    params = {
        spec.arg.name: spec.target[len(_PREFIX) :]
        for spec in signature.input_specs
        if spec.kind.name == "PARAMETER" and spec.target is not None
    }
    inputs = [spec.arg.name for spec in signature.input_specs if spec.kind.name == "USER_INPUT"]
    graph = program.graph_module.graph
    _strip_module_stacks(graph)
    return AtenGraph(graph, params, inputs)


def make_fx_graph(model: nn.Module, args: Sequence[torch.Tensor]) -> AtenGraph:
    """``make_fx(tracing_mode="fake")`` over ``functional_call``: parameters become named inputs."""
    from torch.fx.experimental.proxy_tensor import make_fx

    params = dict(model.named_parameters())
    state = {**params, **dict(model.named_buffers())}
    names = list(state)

    def run(flat_state: list[torch.Tensor], *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(tensors_in(torch.func.functional_call(model, dict(zip(names, flat_state)), inputs, strict=False)))

    with quiet():
        module = make_fx(
            run, tracing_mode="fake", _allow_non_fake_inputs=True, record_module_stack=True, record_stack_traces=True
        )([state[name] for name in names], *args)
    placeholders = [node for node in module.graph.nodes if node.op == "placeholder"]
    param_names = {node.name: name for node, name in zip(placeholders, names) if name in params}
    inputs = [node.name for node in placeholders[len(names) :]]
    return AtenGraph(module.graph, param_names, inputs)


def shape_of(value: Any) -> tuple[int, ...] | None:
    """Concrete shape of a tensor-like value; None when a size is symbolic (data-dependent)."""
    shape = getattr(value, "shape", None)
    if shape is None or not isinstance(value, torch.Tensor):
        return None
    if all(type(size) is int for size in shape):
        return tuple(shape)
    return None


def has_symbolic_size(value: Any) -> bool:
    """A tensor whose size depends on data (an unbacked symbol from export or make_fx)."""
    return isinstance(value, torch.Tensor) and any(type(size) is not int for size in value.shape)
