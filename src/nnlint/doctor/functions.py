"""The torch-function hook: loss functions, ``backward()`` and functional activations.

Global module hooks see ``nn.CrossEntropyLoss()`` but not ``F.cross_entropy``,
and nothing sees ``loss.backward()``. A ``TorchFunctionMode`` is torch's own
hook for every function on tensors: ``nn.CrossEntropyLoss.forward`` calls
``F.cross_entropy``, so one table covers module and functional losses alike.
Everything not in the table is passed straight through; while torch handles
one call the mode is off, so calls inside a loss are not seen twice.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from nnlint.doctor.summaries import LOSS_FAMILIES

if TYPE_CHECKING:
    from nnlint.doctor.recorder import Recorder

LOSSES: Mapping[Callable[..., Any], str] = {getattr(F, name): name for name in LOSS_FAMILIES}
BACKWARD: frozenset[Callable[..., Any]] = frozenset({torch.Tensor.backward, torch.autograd.backward})
ACTIVATIONS: Mapping[Callable[..., Any], str] = {
    F.relu: "relu", torch.relu: "relu", torch.Tensor.relu: "relu",
    torch.sigmoid: "sigmoid", torch.Tensor.sigmoid: "sigmoid",
    torch.tanh: "tanh", torch.Tensor.tanh: "tanh", F.tanh: "tanh",
}
_SIGNATURES = {function: inspect.signature(function) for function in LOSSES}


class FunctionWatch(TorchFunctionMode):
    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self._recorder = recorder
        self._handlers: dict[Callable[..., Any], Callable[[Any, tuple[Any, ...], dict[str, Any]], Any]] = {
            **{function: self._loss for function in LOSSES},
            **{function: self._backward for function in BACKWARD},
            **{function: self._activation for function in ACTIVATIONS},
        }

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None) -> Any:
        handler = self._handlers.get(func)  # one lookup on the hot path: most ops are not watched
        if handler is None or not self._recorder.active:
            return func(*args, **(kwargs or {}))
        return handler(func, args, kwargs or {})

    def _loss(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        bound = _SIGNATURES[func].bind(*args, **kwargs)
        options = {key: value for key, value in bound.arguments.items() if key not in ("input", "target")}
        return self._recorder.loss_call(func, LOSSES[func], bound.arguments["input"], bound.arguments["target"], options)

    def _backward(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        self._recorder.backward(args[0] if args else kwargs.get("tensors"))
        return func(*args, **kwargs)

    def _activation(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = func(*args, **kwargs)
        if args and isinstance(args[0], torch.Tensor) and isinstance(result, torch.Tensor):
            self._recorder.functional_activation(ACTIVATIONS[func], args[0], result)
        return result
