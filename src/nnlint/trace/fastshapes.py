"""Exact output shapes of the commonest operations, without running their meta kernels.

On the meta device most elementwise and normalisation kernels are Python
reference implementations: each call costs around a millisecond, and the first
one imports ``torch._dynamo`` (1.5 s or more). For the operations below the
output is simply "like the input" or "the broadcast of the operands", so the
shape run answers directly and falls back to the real kernel for anything it
does not recognise, or whenever an argument is unusual (an ``out=``, a dtype
change, an integer tensor, a size that does not fit the module). A mistake in a
shape is the only error this shortcut may hide, and every rule checks the sizes
the real kernel would check.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

Rule = Callable[[tuple[Any, ...], dict[str, Any]], "torch.Tensor | None"]


def _float(value: Any) -> bool:
    return isinstance(value, torch.Tensor) and value.is_floating_point()


def _like(x: torch.Tensor) -> torch.Tensor | None:
    """A new tensor with ``x``'s size, dtype and (contiguous) layout.

    ``torch.empty_like`` on meta computes the layout in Python and imports
    sympy (half a second); for a contiguous input the answer is known. Other
    layouts go to the real kernel, which knows how to keep them.
    """
    return torch.empty(x.shape, dtype=x.dtype, device=x.device) if x.is_contiguous() else None


def _like_input(args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    """Elementwise and normalising ops on a floating tensor: same shape and dtype."""
    if not args or not _float(args[0]) or kwargs.get("out") is not None or kwargs.get("dtype") is not None:
        return None
    return _like(args[0])


def _normalised(args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    """``F.layer_norm``/``F.rms_norm``: the normalised shape must end the input's shape."""
    shape = args[1] if len(args) > 1 else kwargs.get("normalized_shape")
    if not args or not _float(args[0]) or not isinstance(shape, (list, tuple, torch.Size)):
        return None
    if len(shape) > args[0].dim() or tuple(args[0].shape[args[0].dim() - len(shape):]) != tuple(shape):
        return None
    return _like(args[0])


def _broadcast(args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    """Binary elementwise ops of floating tensors and Python numbers."""
    if len(args) != 2 or kwargs:
        return None
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    if not tensors or not all(_float(t) for t in tensors) or not all(isinstance(a, (torch.Tensor, int, float)) for a in args):
        return None
    shape = _broadcast_shape(*(tuple(t.shape) for t in tensors))
    if shape is None:
        return None  # let the real kernel raise its own message
    return torch.empty(shape, dtype=torch.result_type(args[0], args[1]), device="meta")


def _broadcast_shape(*shapes: tuple[int, ...]) -> tuple[int, ...] | None:
    """NumPy broadcasting of concrete shapes (``torch.broadcast_shapes`` imports sympy on first use)."""
    rank = max(len(shape) for shape in shapes)
    result = []
    for axis in range(rank):
        sizes = {shape[axis - rank + len(shape)] for shape in shapes if axis - rank + len(shape) >= 0} - {1}
        if len(sizes) > 1:
            return None
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def _attention(args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    """``scaled_dot_product_attention`` without grouped heads: ``q.shape[:-1] + v.shape[-1:]``."""
    if len(args) < 3 or not all(_float(a) for a in args[:3]) or kwargs.get("enable_gqa"):
        return None
    q, k, v = args[:3]
    if not (q.dim() == k.dim() == v.dim() >= 2) or q.shape[:-2] != k.shape[:-2] or k.shape[:-2] != v.shape[:-2]:
        return None
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2] or not (q.dtype == k.dtype == v.dtype):
        return None
    return q.new_empty((*q.shape[:-1], v.shape[-1]))


def _linear(args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    """``F.linear(x, weight, bias)``: the last size becomes ``weight.shape[0]``."""
    if len(args) < 2 or kwargs:
        return None
    x, weight, bias = args[0], args[1], args[2] if len(args) > 2 else None
    if not (_float(x) and _float(weight)) or weight.dim() != 2 or x.dim() < 1 or x.dtype != weight.dtype:
        return None
    if x.shape[-1] != weight.shape[1] or (bias is not None and (not _float(bias) or tuple(bias.shape) != (weight.shape[0],))):
        return None
    return x.new_empty((*x.shape[:-1], weight.shape[0]))


def _embedding(args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    """``F.embedding(indices, weight)``: one row of ``weight`` per index."""
    if len(args) < 2 or kwargs:
        return None
    indices, weight = args[0], args[1]
    if not isinstance(indices, torch.Tensor) or indices.dtype not in (torch.int64, torch.int32):
        return None
    if not _float(weight) or weight.dim() != 2:
        return None
    return weight.new_empty((*indices.shape, weight.shape[1]))


_UNARY_FUNCTIONS = (
    F.relu, torch.relu, F.gelu, F.silu, F.mish, F.elu, F.leaky_relu, F.hardtanh, F.relu6, F.softplus, F.dropout,
    torch.tanh, torch.sigmoid, F.sigmoid, F.tanh, torch.exp, torch.log, torch.sqrt, torch.rsqrt, torch.neg,
    torch.abs, torch.erf, torch.cos, torch.sin, torch.clamp, F.softmax, F.log_softmax, torch.softmax,
    torch.log_softmax, F.normalize,
)
_UNARY_METHODS = (
    "relu", "tanh", "sigmoid", "exp", "log", "sqrt", "rsqrt", "neg", "abs", "softmax", "log_softmax", "clamp",
    "clamp_min", "clamp_max", "contiguous", "cos", "sin", "erf",
)
_BINARY = (operator.add, operator.sub, operator.mul, operator.truediv, operator.iadd, operator.isub,
           operator.imul, torch.add, torch.sub, torch.mul, torch.div)

FUNCTIONS: dict[Any, Rule] = {fn: _like_input for fn in _UNARY_FUNCTIONS}
FUNCTIONS.update({fn: _broadcast for fn in _BINARY})
FUNCTIONS.update({F.layer_norm: _normalised, F.scaled_dot_product_attention: _attention, F.linear: _linear,
                  F.embedding: _embedding})
if hasattr(F, "rms_norm"):
    FUNCTIONS[F.rms_norm] = _normalised
METHODS: dict[str, Rule] = {name: _like_input for name in _UNARY_METHODS}
METHODS.update({name: _broadcast for name in ("add", "sub", "mul", "div", "add_", "sub_", "mul_", "div_")})


def _module_rule(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    if len(args) != 1 or kwargs or not _float(args[0]):
        return None
    x = args[0]
    shape = getattr(module, "normalized_shape", None)
    if shape is not None:  # LayerNorm, RMSNorm
        return _normalised((x, tuple(shape)), {})
    channels = getattr(module, "num_features", None) or getattr(module, "num_channels", None)
    if channels is not None:  # BatchNorm, InstanceNorm, GroupNorm
        return _like(x) if x.dim() >= 2 and x.shape[1] == channels else None
    return _like(x)


_SHAPE_PRESERVING_MODULES = (
    nn.ReLU, nn.GELU, nn.SiLU, nn.Mish, nn.Tanh, nn.Sigmoid, nn.Softplus, nn.LeakyReLU, nn.ELU, nn.ReLU6,
    nn.Hardtanh, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.Identity, nn.Softmax, nn.LogSoftmax,
    nn.LayerNorm, nn.GroupNorm, nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d,
) + ((nn.RMSNorm,) if hasattr(nn, "RMSNorm") else ())


_ADAPTIVE_AVERAGE = {nn.AdaptiveAvgPool1d: 1, nn.AdaptiveAvgPool2d: 2, nn.AdaptiveAvgPool3d: 3}


def _adaptive_pool(module: Any, spatial: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    """``nn.AdaptiveAvgPoolNd``: the last ``spatial`` sizes become ``output_size`` (None keeps a size)."""
    if len(args) != 1 or kwargs or not _float(args[0]) or args[0].dim() not in (spatial + 1, spatial + 2):
        return None
    x, size = args[0], module.output_size
    wanted = (size,) * spatial if isinstance(size, int) or size is None else tuple(size)
    kept = x.shape[x.dim() - spatial:]
    return x.new_empty((*x.shape[: x.dim() - spatial], *(k if w is None else w for w, k in zip(wanted, kept))))


def _window(size: int, kernel: int, stride: int, pad: int, dilation: int) -> int:
    """Output length of a sliding window (conv or pool, floor mode)."""
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def _triple(value: Any, spatial: int) -> tuple[int, ...]:
    return (value,) * spatial if isinstance(value, int) else tuple(value)


_CONVOLUTIONS = {nn.Conv1d: 1, nn.Conv2d: 2, nn.Conv3d: 3}
_POOLS = {nn.MaxPool1d: 1, nn.MaxPool2d: 2, nn.MaxPool3d: 3, nn.AvgPool1d: 1, nn.AvgPool2d: 2, nn.AvgPool3d: 3}


def _convolution(module: Any, spatial: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    """``nn.ConvNd``: the window formula per spatial dim, ``out_channels`` channels."""
    if len(args) != 1 or kwargs or not _float(args[0]) or args[0].dtype != module.weight.dtype:
        return None
    x = args[0]
    if x.dim() not in (spatial + 1, spatial + 2) or x.shape[-spatial - 1] != module.in_channels:
        return None
    sizes = []
    for axis in range(spatial):
        size = x.shape[x.dim() - spatial + axis]
        if module.padding == "same":
            sizes.append(size)
            continue
        pad = 0 if module.padding == "valid" else module.padding[axis]
        sizes.append(_window(size, module.kernel_size[axis], module.stride[axis], pad, module.dilation[axis]))
    if min(sizes) <= 0:
        return None  # too small for the kernel: the real kernel says so
    return x.new_empty((*x.shape[: x.dim() - spatial - 1], module.out_channels, *sizes))


def _pool(module: Any, spatial: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    """``nn.MaxPoolNd``/``nn.AvgPoolNd`` in floor mode: the window formula per spatial dim."""
    if len(args) != 1 or kwargs or not _float(args[0]) or args[0].dim() not in (spatial + 1, spatial + 2):
        return None
    if module.ceil_mode or getattr(module, "return_indices", False):
        return None
    x = args[0]
    kernel = _triple(module.kernel_size, spatial)
    stride = _triple(module.stride or module.kernel_size, spatial)
    pad = _triple(module.padding, spatial)
    dilation = _triple(getattr(module, "dilation", 1), spatial)
    if any(2 * p > k for p, k in zip(pad, kernel)):
        return None  # invalid padding: the real kernel says so
    sizes = [_window(x.shape[x.dim() - spatial + i], kernel[i], stride[i], pad[i], dilation[i]) for i in range(spatial)]
    if min(sizes) <= 0:
        return None
    return x.new_empty((*x.shape[: x.dim() - spatial], *sizes))


def for_module(module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    """The output of calling ``module`` (exact type match only: subclasses may do anything)."""
    kind = type(module)
    if kind in _SHAPE_PRESERVING_MODULES:
        return _module_rule(module, args, kwargs)
    if kind in _ADAPTIVE_AVERAGE:
        return _adaptive_pool(module, _ADAPTIVE_AVERAGE[kind], args, kwargs)
    if kind in _CONVOLUTIONS:
        return _convolution(module, _CONVOLUTIONS[kind], args, kwargs)
    if kind in _POOLS:
        return _pool(module, _POOLS[kind], args, kwargs)
    if kind is nn.Embedding and len(args) == 1 and not kwargs:
        return _embedding((args[0], module.weight), {})
    if kind is nn.Linear and len(args) == 1 and not kwargs:
        return _linear((args[0], module.weight, module.bias), {})
    return None


def for_call(op: str, target: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    """The output of a ``call_function``/``call_method`` node, or None to run the real kernel."""
    rule = FUNCTIONS.get(target) if op == "call_function" else METHODS.get(target) if op == "call_method" else None
    return rule(args, kwargs) if rule is not None else None
