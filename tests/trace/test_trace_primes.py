"""Prime assignments and dim provenance labels (pure Python)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nnlint.trace.primes import (
    choose_assignments,
    exact_label,
    label_for,
    unverified_label,
)


def test_conventional_primes_and_a_second_distinct_assignment() -> None:
    first, second = choose_assignments(["B", "T", "H", "W"], [64, 3])
    assert dict(first.primes) == {"B": 7, "T": 13, "H": 11, "W": 17}
    assert all(second.primes[name] != first.primes[name] for name in first.primes)
    assert len(set(second.primes.values())) == 4
    steps = [second.primes[name] - first.primes[name] for name in first.primes]
    assert len(set(steps)) == len(steps)


@given(st.lists(st.integers(2, 5000), max_size=12), st.lists(st.sampled_from("BTHWDCXYZ"), min_size=1, max_size=6, unique=True))
def test_primes_never_divide_fixed_sizes(fixed: list[int], symbols: list[str]) -> None:
    for assignment in choose_assignments(symbols, fixed):
        values = list(assignment.primes.values())
        assert len(set(values)) == len(values)
        assert all(size % prime for size in fixed for prime in values)


def test_products_of_symbols_are_exact() -> None:
    first, second = choose_assignments(["B", "T"], [64])
    label = label_for(7 * 13 * 64, 11 * 23 * 64, first, second)
    assert label.exact and label.symbols == ("B", "T") and str(label) == "B*T*64"
    assert label.has("B") and not label.has("H")
    assert str(label_for(64, 64, first, second)) == "64"


def test_derived_sizes_are_never_exact_but_get_a_readable_formula() -> None:
    first, second = choose_assignments(["B", "T", "H"], [64])
    t1, t2 = first.primes["T"], second.primes["T"]
    h1, h2 = first.primes["H"], second.primes["H"]
    plus_one = label_for(t1 + 1, t2 + 1, first, second)
    assert not plus_one.exact and plus_one.symbols == () and str(plus_one) == "T+1"
    assert str(label_for((h1 + 1) // 2, (h2 + 1) // 2, first, second, hint="H")) == "H/2"
    assert str(label_for(h1 - 2, h2 - 2, first, second)) == "H-2"


def test_a_coincidental_multiple_of_the_batch_prime_is_not_the_batch() -> None:
    first, second = choose_assignments(["B", "T"], [64])
    b = first.primes["B"]
    label = label_for(2 * b, 2 * b + 5, first, second)  # T+1 in run 1 happened to equal 2*B
    assert not label.has("B")


def test_unverified_sizes_show_their_factors_but_are_not_trusted() -> None:
    first, _ = choose_assignments(["B"], [])
    label = unverified_label(first.primes["B"] * 4, first)
    assert str(label) == "B*4" and not label.exact and label.symbols == ()


def test_exact_label_merges_neighbouring_constants_and_knows_its_order() -> None:
    label = exact_label(["B", 2, 4, "T"], ordered=True)
    assert label.atoms == ("B", 8, "T") and label.leads_with("B")
    assert not exact_label(["T", "B"], ordered=False).leads_with("T")
