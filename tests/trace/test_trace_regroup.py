"""view/reshape alignment: merges and splits are honest, reorders are found (pure Python)."""

from __future__ import annotations

from nnlint.trace.primes import choose_assignments, label_for
from nnlint.trace.regroup import regroup

FIRST, SECOND = choose_assignments(["B", "T"], [64, 8])
B = (FIRST.primes["B"], SECOND.primes["B"])
T = (FIRST.primes["T"], SECOND.primes["T"])


def view(before: list[tuple[int, int]], after: list[tuple[int, int]]):
    labels_in = [label_for(a, b, FIRST, SECOND) for a, b in before]
    labels_out = [label_for(a, b, FIRST, SECOND) for a, b in after]
    return regroup(labels_in, before, labels_out, after)


def times(*sizes: tuple[int, int]) -> tuple[int, int]:
    a = b = 1
    for x, y in sizes:
        a, b = a * x, b * y
    return a, b


C64, C8 = (64, 64), (8, 8)


def test_merge_keeps_order_and_is_silent() -> None:
    result = view([B, T, C64], [times(B, T), C64])
    assert result.reordered is None
    assert [str(label) for label in result.labels] == ["B*T", "64"]
    assert result.labels[0].ordered


def test_split_of_constants_and_size_one_dims_are_silent() -> None:
    assert view([B, T, C64], [B, T, C8, C8]).reordered is None
    assert view([B, T, C64], [B, (1, 1), T, C64]).reordered is None


def test_view_used_as_transpose_is_found() -> None:
    assert view([B, T, C64], [B, C64, T]).reordered == ("T x 64", "64 x T")
    assert view([B, T, C64], [T, B, C64]).reordered is not None


def test_heads_merged_without_transpose_are_found() -> None:
    assert view([B, C8, T, C8], [B, T, C64]).reordered is not None
    assert view([B, T, C8, C8], [B, T, C64]).reordered is None


def test_split_back_in_another_order_is_found_only_when_the_order_is_known() -> None:
    merged = view([B, T, C64], [times(B, T), C64]).labels
    ordered = regroup(list(merged), [times(B, T), C64], [label_for(*T, FIRST, SECOND), label_for(*B, FIRST, SECOND), label_for(64, 64, FIRST, SECOND)], [T, B, C64])
    assert ordered.reordered == ("B*T", "T x B")
    factored = view([times(B, T), C64], [T, B, C64])  # B*T merely factored: its order is unknown
    assert factored.reordered is None


def test_sizes_that_do_not_align_give_no_labels() -> None:
    assert view([B, T], [(5, 5), (3, 3)]).labels is None
