"""Input specs: parsing, pinned and free dims, the batch dim, and one-line errors."""

from __future__ import annotations

import pytest

from nnlint.trace.errors import TraceUsageError
from nnlint.trace.spec import (
    Dim,
    batch_symbol,
    fixed_sizes,
    free_symbols,
    parse_dtype,
    parse_input,
    parse_inputs,
)


def test_free_fixed_and_pinned_dims() -> None:
    spec = parse_input("B,3,H=32,W")
    assert spec.dims == (Dim("B", None), Dim(None, 3), Dim("H", 32), Dim("W", None))
    assert [dim.free for dim in spec.dims] == [True, False, False, True]
    assert str(spec) == "B,3,H=32,W" and spec.dtype is None


def test_dtype_suffix_and_names() -> None:
    assert parse_input("B,T:long").dtype == "int64"
    assert parse_dtype("torch.bfloat16") == "bfloat16"
    assert parse_dtype("half") == "float16"


@pytest.mark.parametrize("text", ["", "B,,3", "B,3x", "H=x", "B:complex", "B,0"])
def test_bad_specs_are_one_line_errors(text: str) -> None:
    with pytest.raises(TraceUsageError) as error:
        parse_input(text)
    assert "\n" not in str(error.value)


def test_a_name_means_one_size_across_inputs() -> None:
    specs = parse_inputs(["B,T", "B,T,64"])
    assert free_symbols(specs) == ["B", "T"] and fixed_sizes(specs) == {64}
    with pytest.raises(TraceUsageError, match="two different sizes"):
        parse_inputs(["B,H=3", "B,H=4"])


@pytest.mark.parametrize(
    ("texts", "batch"),
    [(["B,3,32,32"], "B"), (["T,B,64"], "B"), (["N,C,H,W"], "N"), (["X,16"], "X"), (["8,T"], None)],
)
def test_batch_symbol(texts: list[str], batch: str | None) -> None:
    assert batch_symbol(parse_inputs(texts)) == batch
