"""Random small ``nn.Module``s for fuzzing the tracer, written as source files as a user would.

A model is a stack of layers drawn one at a time from those that fit the current
shape (Conv2d, BatchNorm, pooling, Flatten, views on images; Linear, LayerNorm,
BatchNorm1d, Dropout, softmax on vectors; activations on both), with a shape
tracker that knows the stack's exact sizes. With some probability a layer is
drawn that does *not* fit (a Linear or Conv2d with the wrong input size, a
Flatten of free spatial dims into a fixed Linear); the tracker then marks the
model invalid. Some stacks also carry the bugs the tracer looks for: a view used
as a transpose, softmax over the batch, the batch merged into the features.

Each model is one seed of ``random.Random``: ``generate(seed)`` is its reproducer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

HEADER = '''\
import torch
from torch import nn


class FlattenView(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


class SwapView(nn.Module):  # a view used as a transpose: (B, C, H, W) -> (B, W, H, C) without moving data
    def forward(self, x):
        return x.view(x.size(0), x.size(3), x.size(2), x.size(1))


class MergeBatch(nn.Module):  # the batch folded into the features
    def forward(self, x):
        return x.view(1, -1)


'''

ACTIVATIONS = ("nn.ReLU()", "nn.GELU()", "nn.Tanh()", "nn.Sigmoid()", "nn.SiLU()")


@dataclass
class GeneratedModel:
    seed: int
    spec: str  # the --input spec
    layers: list[str] = field(default_factory=list)  # constructor source of each layer, in order
    valid: bool = True  # the tracker says every layer fits the shape it gets
    why_invalid: str = ""
    expected: set[str] = field(default_factory=set)  # codes a valid model must get (the bugs planted in it)

    @property
    def source(self) -> str:
        body = "".join(f"            {layer},\n" for layer in self.layers)
        return (HEADER + f"class Net(nn.Module):  # seed {self.seed}: input {self.spec}\n"
                "    def __init__(self):\n        super().__init__()\n"
                f"        self.body = nn.Sequential(\n{body}        )\n\n"
                "    def forward(self, x):\n        return self.body(x)\n")

    def write(self, directory: Path) -> Path:
        path = directory / f"fuzz_model_{self.seed}.py"
        path.write_text(self.source, encoding="utf-8")
        return path

    def __str__(self) -> str:
        return f"seed {self.seed} {self.spec} [{', '.join(self.layers)}] {'valid' if self.valid else 'invalid: ' + self.why_invalid}"


def generate(seed: int, invalid_rate: float = 0.15) -> GeneratedModel:
    rng = random.Random(seed)
    free_spatial = rng.random() < 0.3
    channels, size = rng.choice((1, 3, 4)), rng.choice((8, 12, 16))
    image = rng.random() < 0.7
    if image:
        model = GeneratedModel(seed, f"B,{channels},H,W" if free_spatial else f"B,{channels},{size},{size}")
        shape: tuple = ("image", channels, None if free_spatial else size)
    else:
        features = rng.choice((5, 16, 32))
        model = GeneratedModel(seed, f"B,{features}")
        shape = ("vector", features)
    for _ in range(rng.randint(1, 7)):
        shape = _add_layer(rng, model, shape, invalid_rate)
    return model


def _invalid(model: GeneratedModel, why: str) -> None:
    if model.valid:
        model.valid, model.why_invalid = False, why


def _add_layer(rng: random.Random, model: GeneratedModel, shape: tuple, invalid_rate: float) -> tuple:
    wrong = rng.random() < invalid_rate
    if shape[0] == "image":
        _, channels, size = shape
        choice = rng.choice(("conv", "conv", "bn", "act", "pool", "flatten", "flatview", "swapview"))
        if choice == "conv":
            out = rng.choice((4, 8, 16))
            model.layers.append(f"nn.Conv2d({channels + 1 if wrong else channels}, {out}, 3, padding=1)")
            if wrong:
                _invalid(model, "Conv2d in_channels does not match")
            return ("image", out, size)
        if choice == "bn":
            model.layers.append(f"nn.BatchNorm2d({channels})")
            return shape
        if choice == "act":
            model.layers.append(rng.choice(ACTIVATIONS))
            return shape
        if choice == "pool" and size is not None and size % 2 == 0:
            model.layers.append("nn.MaxPool2d(2)")
            return ("image", channels, size // 2)
        if choice == "swapview":
            model.layers.append("SwapView()")
            if size is None and channels > 1:  # free H, W: the tracer can see W land where C was
                model.expected.add("NT101")
            return ("image", size, size) if size is not None and channels == size else ("hwc", channels, size)
        model.layers.append("nn.Flatten()" if choice != "flatview" else "FlattenView()")
        return ("vector", None if size is None else channels * size * size)
    if shape[0] == "hwc":  # after SwapView the channel dim holds W: only shape-agnostic layers keep it valid
        model.layers.append(rng.choice((*ACTIVATIONS, "nn.Flatten()")))
        _, channels, size = shape
        if model.layers[-1] != "nn.Flatten()":
            return shape
        return ("vector", None if size is None else channels * size * size)
    _, features = shape
    choice = rng.choice(("linear", "linear", "norm", "act", "dropout", "softmax", "merge"))
    if choice == "linear" or features is None:
        out = rng.choice((2, 10, 16, 64))
        if features is None:
            model.layers.append(f"nn.Linear({rng.choice((64, 128, 256))}, {out})")
            _invalid(model, "Linear after flattening free spatial dims")
        else:
            model.layers.append(f"nn.Linear({features + 3 if wrong else features}, {out})")
            if wrong:
                _invalid(model, "Linear in_features does not match")
        return ("vector", out)
    if choice == "norm":
        model.layers.append(rng.choice((f"nn.LayerNorm({features})", f"nn.BatchNorm1d({features})")))
        return shape
    if choice == "act":
        model.layers.append(rng.choice(ACTIVATIONS))
        return shape
    if choice == "dropout":
        model.layers.append("nn.Dropout(0.1)")
        return shape
    if choice == "softmax":
        model.layers.append(rng.choice(("nn.Softmax(dim=1)", "nn.Softmax(dim=0)", "nn.LogSoftmax(dim=1)")))
        if model.layers[-1] == "nn.Softmax(dim=0)":
            model.expected.add("NT104")  # softmax over the batch
        return shape
    model.layers.append("MergeBatch()")
    model.expected.add("NT103")  # the batch merged into the features
    return ("vector", None)
