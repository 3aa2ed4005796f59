"""Input specs that no tensor can have are one-line usage errors, never "internal error" or a traceback.

The examples come from the issue (``--input`` with 100 dims, ``B,99999999999999999999``);
the fuzz tests throw generated text at the parser and check that what it accepts
can be built as a meta tensor with the primes the tracer would use.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnlint.trace.errors import TraceUsageError
from nnlint.trace.primes import choose_assignments
from nnlint.trace.spec import MAX_DIMS, InputSpec, check_size, fixed_sizes, free_symbols, parse_input, parse_inputs

HUNDRED_DIMS = ",".join(["B"] + ["2"] * 99)
TOO_BIG = [
    ("B,99999999999999999999", "too large"),
    ("B,H=99999999999999999999", "too large"),
    ("B,T,D,1099511627776,1099511627776", "too large"),
    (HUNDRED_DIMS, f"at most {MAX_DIMS}"),
    ("B,\u00b3", "neither a size"),  # a superscript 3 is a digit to str.isdigit, not to int()
    ("B,\u0663", "neither a size"),  # an Arabic-Indic 3: a size is written in ASCII digits
    ("B," + "9" * 5000, "too large"),  # int() itself refuses more than 4300 digits
]


@pytest.mark.parametrize(("text", "reason"), TOO_BIG)
def test_specs_no_tensor_can_have_are_one_line_errors(text: str, reason: str) -> None:
    with pytest.raises(TraceUsageError) as error:
        parse_input(text)
    message = str(error.value)
    assert "\n" not in message and message.startswith("bad input spec") and reason in message, message


def test_the_largest_accepted_sizes_still_make_a_tensor() -> None:
    spec = parse_input(",".join(["B"] + ["1"] * (MAX_DIMS - 1)))
    assert len(spec.dims) == MAX_DIMS
    parse_input("B,T,1048576")


def test_more_free_dims_than_primes_is_one_line() -> None:
    specs = parse_inputs([",".join(f"{letter}{i}" for i in range(30)) for letter in "XYZ"])
    with pytest.raises(TraceUsageError, match="90 free dims are more than the tracer has primes for"):
        choose_assignments(free_symbols(specs), fixed_sizes(specs))


@pytest.mark.parametrize("text", [HUNDRED_DIMS, "B,99999999999999999999"])
def test_the_command_line_says_bad_input_spec_in_one_line(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    from nnlint.cli import main

    status = main(["trace", "fixtures/models/dims_view.py:PermuteSwapsAxes", "-i", text])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("nnlint trace: bad input spec") and "internal error" not in err


SPEC_TEXT = st.text(alphabet="BTHW,=:0123456789 x_\u00b3long", max_size=40) | st.lists(
    st.sampled_from(["B", "T", "3", "64", "H=32", "99999999999", "0", ""]), max_size=40
).map(",".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SPEC_TEXT)
def test_fuzz_a_spec_parses_or_is_one_line(text: str) -> None:
    try:
        spec = parse_input(text)
    except TraceUsageError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert isinstance(spec, InputSpec) and 1 <= len(spec.dims) <= MAX_DIMS
    assert parse_input(str(spec)) == spec  # what it prints is what it read


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SPEC_TEXT, min_size=1, max_size=3))
def test_fuzz_accepted_specs_build_meta_tensors(texts: list[str]) -> None:
    torch = pytest.importorskip("torch")
    try:
        specs = parse_inputs(texts)
    except TraceUsageError:
        return
    first, second = choose_assignments(free_symbols(specs), fixed_sizes(specs))
    for assignment in (first, second):
        for spec in specs:
            try:
                check_size(spec, assignment.primes)  # what nnlint.trace checks before it builds each input
            except TraceUsageError:
                return
            shape = [dim.size if dim.size is not None else assignment.primes[dim.name] for dim in spec.dims]
            torch.empty(shape, dtype=getattr(torch, spec.dtype or "float64"), device="meta")

