"""One vocabulary for operations, whichever tier captured them.

Tier 1 says ``call_module fc`` or ``call_method view``, tier 2 says
``aten.view.default``, tier 3 says ``Tensor.view`` or ``Tensor.__truediv__``.
The checks want to ask "is this a view?", "is this a division, and which
argument is the denominator?" once. ``kind(node, module)`` answers with a short
canonical name; ``arg(node, i, name)`` reads an argument the same way for
functions, methods and aten ops (the input tensor is argument 0 in all three).
"""

from __future__ import annotations

from typing import Any

from torch import fx, nn

#: Operations that only regroup dimensions.
VIEWS = frozenset({"view", "reshape", "flatten", "unflatten", "view_as", "reshape_as"})
#: Operations that keep every value (only their arrangement changes): ranges pass through them.
TRANSPARENT = VIEWS | frozenset(
    {"permute", "transpose", "t", "contiguous", "expand", "expand_as", "squeeze", "unsqueeze", "clone", "getitem",
     "to", "type", "float", "double", "half", "bfloat16", "detach", "alias", "select", "slice", "narrow", "repeat",
     "movedim", "identity", "data", "T", "mT", "split", "chunk", "unbind", "flip", "roll", "getattr"}
)
#: Deliberate broadcasting: a size-1 axis made on purpose for an outer operation.
EXPLICIT_BROADCAST = frozenset({"unsqueeze", "getitem", "view", "reshape", "expand", "expand_as", "unflatten", "view_as"})

ALIASES = {
    "truediv": "div", "true_divide": "div", "divide": "div", "floordiv": "floor_divide",
    "rtruediv": "rdiv", "rdiv": "rdiv", "radd": "add", "iadd": "add", "rmul": "mul", "imul": "mul",
    "multiply": "mul", "subtract": "sub", "isub": "sub", "rsub": "rsub", "idiv": "div", "itruediv": "div",
    "clip": "clamp", "clip_min": "clamp_min", "clip_max": "clamp_max", "float_power": "pow", "rpow": "rpow",
    "arccos": "acos", "arcsin": "asin", "arctanh": "atanh", "logsigmoid": "log_sigmoid",
    "log_sigmoid_forward": "log_sigmoid", "_softmax": "softmax", "_log_softmax": "log_softmax",
    "special_softmax": "softmax", "special_log_softmax": "log_softmax", "_unsafe_view": "view", "unsafe_view": "view",
    "_reshape_alias": "view", "convolution": "conv", "_convolution": "conv", "conv1d": "conv", "conv2d": "conv",
    "conv3d": "conv", "conv_transpose1d": "conv_transpose", "conv_transpose2d": "conv_transpose",
    "conv_transpose3d": "conv_transpose", "native_batch_norm": "batch_norm",
    "_native_batch_norm_legit": "batch_norm", "_native_batch_norm_legit_functional": "batch_norm",
    "_native_batch_norm_legit_no_training": "batch_norm", "native_layer_norm": "layer_norm",
    "native_group_norm": "group_norm", "native_dropout": "dropout", "feature_dropout": "dropout",
    "alpha_dropout": "dropout", "dropout1d": "dropout", "dropout2d": "dropout", "dropout3d": "dropout",
    "lift_fresh_copy": "clone", "_to_copy": "to", "negative": "neg", "absolute": "abs",
    "max_pool2d_with_indices": "max_pool2d", "greater": "gt", "less": "lt",
}

#: Classes of torch.nn whose call is one operation of a kind the checks know.
MODULE_KINDS = {
    "Linear": "linear", "LazyLinear": "linear", "NonDynamicallyQuantizableLinear": "linear",
    "Conv1d": "conv", "Conv2d": "conv", "Conv3d": "conv", "LazyConv1d": "conv", "LazyConv2d": "conv",
    "LazyConv3d": "conv", "ConvTranspose1d": "conv_transpose", "ConvTranspose2d": "conv_transpose",
    "ConvTranspose3d": "conv_transpose", "Softmax": "softmax", "LogSoftmax": "log_softmax", "Softmax2d": "softmax",
    "Sigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu", "ReLU6": "relu6", "Softplus": "softplus",
    "LogSigmoid": "log_sigmoid", "Hardtanh": "hardtanh", "BatchNorm1d": "batch_norm", "BatchNorm2d": "batch_norm",
    "BatchNorm3d": "batch_norm", "SyncBatchNorm": "batch_norm", "LayerNorm": "layer_norm", "GroupNorm": "group_norm",
    "InstanceNorm1d": "instance_norm", "InstanceNorm2d": "instance_norm", "InstanceNorm3d": "instance_norm",
    "RMSNorm": "rms_norm", "Embedding": "embedding", "Dropout": "dropout", "Dropout1d": "dropout",
    "Dropout2d": "dropout", "Dropout3d": "dropout", "AlphaDropout": "dropout", "Flatten": "flatten",
    "Unflatten": "unflatten", "Identity": "identity", "ELU": "elu", "GELU": "gelu", "SiLU": "silu",
}


def _function_name(target: Any) -> str:
    packet = getattr(target, "overloadpacket", None)  # aten OpOverload
    if packet is not None:
        return str(getattr(packet, "__name__", target))
    name = getattr(target, "__name__", str(target))
    if name == "__get__":  # a Tensor property recorded by tier 3
        return str(getattr(getattr(target, "__self__", None), "__name__", name))
    return name


def normalise(raw: str) -> str:
    """``__rtruediv__`` -> ``rdiv``, ``add_`` -> ``add``, ``_softmax`` -> ``softmax``."""
    if raw in ALIASES:
        return ALIASES[raw]
    name = raw
    if name.startswith("__") and name.endswith("__"):
        name = name[2:-2]
    elif name.endswith("_") and not name.startswith("_"):
        name = name[:-1]  # in-place variant
    return ALIASES.get(name, name)


def kind(node: fx.Node, module: nn.Module | None = None) -> str:
    """Canonical operation name of ``node``; ``module`` is the called module for ``call_module``."""
    if node.op == "call_module":
        if module is None or not type(module).__module__.startswith("torch.nn"):
            return "module"
        return MODULE_KINDS.get(type(module).__name__, "module")
    if node.op == "call_method":
        return normalise(str(node.target))
    if node.op == "call_function":
        return normalise(_function_name(node.target))
    return node.op


def arg(node: fx.Node, index: int, name: str, default: Any = None) -> Any:
    """Argument ``index`` (0 is the input tensor) or keyword ``name`` of a call."""
    if len(node.args) > index:
        return node.args[index]
    return node.kwargs.get(name, default)
