"""The shape shortcuts agree with torch's own meta kernels, and step aside when unsure."""

from __future__ import annotations

import operator

import pytest

torch = pytest.importorskip("torch", reason="the tracer needs torch (pip install 'nnlint[trace]')")

import torch.nn.functional as F
from torch import nn

from nnlint.trace import fastshapes


def meta(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.empty(shape, dtype=dtype, device="meta")


X = meta(7, 13, 64)
CALLS = [
    ("call_function", F.relu, (X,), {}),
    ("call_function", F.softmax, (X, -1), {}),
    ("call_function", operator.add, (X, meta(13, 1)), {}),
    ("call_function", operator.truediv, (meta(7, 1), 2), {}),
    ("call_function", torch.mul, (X, meta(64, dtype=torch.float16)), {}),
    ("call_function", operator.sub, (meta(7, 1), meta(7)), {}),
    ("call_function", operator.mul, (meta(1, 13, 1), meta(7, 1, 0)), {}),
    ("call_function", F.layer_norm, (X, (64,)), {}),
    ("call_function", F.linear, (X, meta(5, 64), meta(5)), {}),
    ("call_function", F.scaled_dot_product_attention, (meta(7, 4, 13, 16), meta(7, 4, 11, 16), meta(7, 4, 11, 32)), {}),
    ("call_function", F.embedding, (meta(7, 13, dtype=torch.long), meta(100, 32)), {}),
    ("call_method", "sigmoid", (X,), {}),
    ("call_method", "add", (X, 1.5), {}),
]


@pytest.mark.parametrize(("op", "target", "args", "kwargs"), CALLS, ids=[str(getattr(c[1], "__name__", c[1])) for c in CALLS])
def test_shortcuts_match_the_kernels(op: str, target, args, kwargs) -> None:
    fast = fastshapes.for_call(op, target, args, kwargs)
    real = target(*args, **kwargs) if op == "call_function" else getattr(args[0], target)(*args[1:], **kwargs)
    assert fast is not None
    assert (fast.shape, fast.dtype, fast.device) == (real.shape, real.dtype, real.device)


MODULES = [nn.LayerNorm(64), nn.GELU(), nn.Dropout(0.1), nn.RMSNorm(64), nn.Softmax(-1), nn.Linear(64, 3)]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: type(m).__name__)
def test_module_shortcuts_match(module: nn.Module) -> None:
    module = module.to("meta")
    fast = fastshapes.for_module(module, (X,), {})
    assert fast is not None and fast.shape == module(X).shape


@pytest.mark.parametrize(
    ("module", "shape"),
    [
        (nn.Conv2d(3, 8, 7, stride=2, padding=3), (7, 3, 11, 17)),
        (nn.Conv2d(3, 8, 3, dilation=2, padding="same"), (3, 11, 17)),
        (nn.Conv1d(4, 6, 5, stride=3, padding="valid"), (7, 4, 29)),
        (nn.Conv3d(2, 2, (1, 3, 3), stride=(1, 2, 2)), (5, 2, 3, 9, 9)),
        (nn.MaxPool2d(3, 2, 1), (7, 3, 11, 17)),
        (nn.MaxPool1d(2), (3, 13)),
        (nn.AvgPool2d((2, 3), stride=(1, 2), padding=(1, 1)), (7, 3, 11, 17)),
        (nn.MaxPool2d(3, 2, dilation=2), (2, 4, 19, 23)),
    ],
)
def test_window_shortcuts_match(module: nn.Module, shape: tuple[int, ...]) -> None:
    module = module.to("meta")
    x = meta(*shape)
    assert fastshapes.for_module(module, (x,), {}).shape == module(x).shape


def test_embedding_shortcut() -> None:
    embedding = nn.Embedding(100, 32).to("meta")
    tokens = meta(7, 13, dtype=torch.long)
    assert fastshapes.for_module(embedding, (tokens,), {}).shape == embedding(tokens).shape
    assert fastshapes.for_module(embedding, (meta(7, 13),), {}) is None  # float indices: the kernel complains


def test_pooling_and_batch_norm_shortcuts() -> None:
    pool = nn.AdaptiveAvgPool2d((1, None))
    image = meta(7, 8, 11, 17)
    assert fastshapes.for_module(pool, (image,), {}).shape == pool(image).shape
    norm = nn.BatchNorm2d(8).to("meta")
    assert fastshapes.for_module(norm, (image,), {}).shape == image.shape


@pytest.mark.parametrize(
    ("op", "target", "args", "kwargs"),
    [
        ("call_function", torch.exp, (meta(3, dtype=torch.long),), {}),  # integer input: the kernel decides the dtype
        ("call_function", F.softmax, (X, -1), {"dtype": torch.float64}),
        ("call_function", operator.add, (X, meta(5)), {}),  # does not broadcast: the kernel raises its own error
        ("call_function", torch.add, (X, X), {"alpha": 2}),
        ("call_function", F.layer_norm, (X, (32,)), {}),
        ("call_function", F.linear, (X, meta(5, 32)), {}),
        ("call_function", torch.matmul, (X, meta(64, 3)), {}),  # no rule
    ],
)
def test_unusual_calls_fall_back_to_the_kernel(op: str, target, args, kwargs) -> None:
    assert fastshapes.for_call(op, target, args, kwargs) is None


def test_modules_of_the_wrong_size_or_subclasses_fall_back() -> None:
    assert fastshapes.for_module(nn.LayerNorm(32).to("meta"), (X,), {}) is None
    assert fastshapes.for_module(nn.BatchNorm1d(3).to("meta"), (X,), {}) is None
    assert fastshapes.for_module(nn.Conv1d(3, 4, 3).to("meta"), (X,), {}) is None  # 13 channels, not 3
    assert fastshapes.for_module(nn.Conv1d(13, 4, 99).to("meta"), (X,), {}) is None  # kernel larger than the input
    assert fastshapes.for_module(nn.MaxPool1d(2, ceil_mode=True), (X,), {}) is None
    assert fastshapes.for_module(nn.MaxPool1d(2, padding=2), (X,), {}) is None  # padding over half the kernel

    class Custom(nn.ReLU):
        pass

    assert fastshapes.for_module(Custom(), (X,), {}) is None
