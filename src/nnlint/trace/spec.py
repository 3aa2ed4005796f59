"""Input specs: ``B,3,32,32`` or ``B,T:long`` or ``B,3,H=32,W``.

A spec names each dimension of one positional input of ``forward``. Digits are
fixed sizes; a name is a *free* dimension that the tracer replaces by a prime so
that it can recognise it again after any number of views and products; ``H=32``
names a dimension but pins its size. The same name in two specs is the same
dimension. An optional ``:dtype`` suffix overrides ``--dtype`` for that input.

Pure Python: the CLI validates a spec before importing torch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from nnlint.trace.errors import TraceUsageError

#: Accepted dtype spellings -> the attribute of ``torch`` that names the dtype.
DTYPES = {
    "float": "float32",
    "float32": "float32",
    "f32": "float32",
    "double": "float64",
    "float64": "float64",
    "half": "float16",
    "float16": "float16",
    "fp16": "float16",
    "bfloat16": "bfloat16",
    "bf16": "bfloat16",
    "long": "int64",
    "int64": "int64",
    "int": "int32",
    "int32": "int32",
    "int16": "int16",
    "int8": "int8",
    "uint8": "uint8",
    "bool": "bool",
}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SIZE = re.compile(r"[0-9]+")  # ASCII digits: str.isdigit() also accepts "³", which int() refuses

#: Dims of one input at most: far more than any model takes; torch refuses 64 dims of size 2.
MAX_DIMS = 32
#: Elements of one input at most: 8 bytes each must fit torch's int64 sizes, with room to grow inside the model.
MAX_ELEMENTS = 2**56


@dataclass(frozen=True)
class Dim:
    """One dimension of an input: a free symbol, a pinned symbol, or a literal size."""

    name: str | None  # None for a literal size
    size: int | None  # None for a free symbol

    @property
    def free(self) -> bool:
        return self.size is None

    def __str__(self) -> str:
        if self.name is None:
            return str(self.size)
        return self.name if self.size is None else f"{self.name}={self.size}"


@dataclass(frozen=True)
class InputSpec:
    dims: tuple[Dim, ...]
    dtype: str | None  # canonical torch dtype name, or None for the default

    def __str__(self) -> str:
        text = ",".join(str(dim) for dim in self.dims)
        return f"{text}:{self.dtype}" if self.dtype else text


def parse_dtype(text: str) -> str:
    """``"long"`` -> ``"int64"``; raises ``TraceUsageError`` for an unknown name."""
    key = text.strip().lower().removeprefix("torch.")
    if key not in DTYPES:
        known = ", ".join(sorted(set(DTYPES)))
        raise TraceUsageError(f"unknown dtype {text!r} (expected one of: {known})")
    return DTYPES[key]


def _parse_dim(token: str, spec: str) -> Dim:
    token = token.strip()
    if _SIZE.fullmatch(token):
        return Dim(None, _size(token, spec))
    name, eq, size = token.partition("=")
    name, size = name.strip(), size.strip()
    if not _NAME.fullmatch(name) or (eq and not _SIZE.fullmatch(size)):
        raise TraceUsageError(
            f"bad input spec {_quote(spec)}: {_quote(token)} is neither a size (32), a free dim (B) nor a pinned dim (H=32)"
        )
    return Dim(name, _size(size, spec) if eq else None)


def _size(digits: str, spec: str) -> int:
    """``int(digits)``, refusing first what no tensor holds (and what ``int()`` itself refuses: over 4300 digits)."""
    if len(digits.lstrip("0")) > len(str(MAX_ELEMENTS)):
        raise TraceUsageError(f"bad input spec {_quote(spec)}: size {_quote(digits, 24)} is too large for a tensor")
    return int(digits)


def parse_input(text: str) -> InputSpec:
    """Parse one ``--input`` value."""
    body, colon, dtype = text.partition(":")
    if not body.strip():
        raise TraceUsageError(f"bad input spec {_quote(text)}: expected comma-separated dims such as B,3,32,32")
    tokens = body.split(",")
    if len(tokens) > MAX_DIMS:
        raise TraceUsageError(f"bad input spec {_quote(text)}: {len(tokens)} dims, at most {MAX_DIMS}")
    dims = tuple(_parse_dim(token, text) for token in tokens)
    if any(dim.size == 0 for dim in dims):
        raise TraceUsageError(f"bad input spec {_quote(text)}: a dimension of size 0 cannot be traced")
    spec = InputSpec(dims, parse_dtype(dtype) if colon else None)
    check_size(spec, {})
    return spec


def check_size(spec: InputSpec, primes: Mapping[str, int]) -> None:
    """Refuse an input no tensor can have, with free dims at their ``primes`` (1 when not given yet)."""
    elements = 1
    for dim in spec.dims:
        elements *= dim.size if dim.size is not None else primes.get(dim.name or "", 1)
    if elements > MAX_ELEMENTS:
        traced = ", ".join(f"{name}={prime}" for name, prime in primes.items())
        raise TraceUsageError(
            f"bad input spec {_quote(str(spec))}: too large for a tensor (about 10**{len(str(elements)) - 1} elements"
            + (f" with {traced}" if traced else "") + f"; at most 2**{MAX_ELEMENTS.bit_length() - 1})"
        )


def _quote(text: str, limit: int = 60) -> str:
    """``repr(text)``, cut in the middle when long: the line stays one readable line."""
    return repr(text) if len(text) <= limit else repr(text[: limit // 2]) + "..." + repr(text[-limit // 2 :])


def parse_inputs(texts: Iterable[str]) -> list[InputSpec]:
    """Parse every ``--input`` and check that a name means the same size everywhere."""
    specs = [parse_input(text) for text in texts]
    sizes: dict[str, int | None] = {}
    for spec in specs:
        for dim in spec.dims:
            if dim.name is None:
                continue
            if dim.name in sizes and sizes[dim.name] != dim.size:
                raise TraceUsageError(f"input dim {dim.name} is given two different sizes across --input specs")
            sizes[dim.name] = dim.size
    return specs


def free_symbols(specs: Sequence[InputSpec]) -> list[str]:
    """Free dim names in order of first appearance."""
    seen: dict[str, None] = {}
    for spec in specs:
        for dim in spec.dims:
            if dim.free and dim.name is not None:
                seen.setdefault(dim.name, None)
    return list(seen)


def fixed_sizes(specs: Sequence[InputSpec]) -> set[int]:
    """Every literal or pinned size in the specs (primes must not divide them)."""
    return {dim.size for spec in specs for dim in spec.dims if dim.size is not None}


def batch_symbol(specs: Sequence[InputSpec]) -> str | None:
    """The batch dim: a free dim named ``B`` or ``N``, else the first input's leading free dim."""
    symbols = free_symbols(specs)
    for name in ("B", "N"):
        if name in symbols:
            return name
    if specs and specs[0].dims and specs[0].dims[0].free:
        return specs[0].dims[0].name
    return None
