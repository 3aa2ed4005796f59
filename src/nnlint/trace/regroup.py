"""How a view/reshape regroups dimensions, and whether it reorders them.

``view`` may merge neighbouring dimensions (``(B, T, 64) -> (B*T, 64)``) and
split one into neighbours (``64 -> 8, 8``); it never moves data. So once every
dimension is a product of symbols (see ``primes``), a view is honest exactly
when reading the input's factors left to right gives the output's factors left
to right. When no arrangement makes them agree, the view was used as a
transpose (checklist item 25).

Dimensions whose factor order is unknown (a ``B*T`` that was merely factored,
not built by a view) are *bags*: any order of their factors is allowed, so an
unknown order never produces a finding. Pure Python, no torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations, product

from nnlint.trace.primes import Atom, Label, exact_label

_MAX_ARRANGEMENTS = 720


@dataclass(frozen=True)
class Regroup:
    """The labels of a view's output, and the evidence when it reorders its input."""

    labels: tuple[Label, ...] | None  # None when the view could not be aligned
    reordered: tuple[str, str] | None  # (input factors, output factors) of the offending group


def _groups(sizes_in: Sequence[tuple[int, int]], sizes_out: Sequence[tuple[int, int]]) -> list[tuple[list[int], list[int]]] | None:
    """Pair runs of input and output dims with equal products (in both runs); None if impossible."""
    groups: list[tuple[list[int], list[int]]] = []
    i = j = 0
    while i < len(sizes_in) and j < len(sizes_out):
        gi, gj = [i], [j]
        pin, pout = sizes_in[i][0], sizes_out[j][0]
        i, j = i + 1, j + 1
        while pin != pout:
            if pin < pout:
                if i == len(sizes_in):
                    return None
                gi.append(i)
                pin *= sizes_in[i][0]
                i += 1
            else:
                if j == len(sizes_out):
                    return None
                gj.append(j)
                pout *= sizes_out[j][0]
                j += 1
        check_in = check_out = 1
        for k in gi:
            check_in *= sizes_in[k][1]
        for k in gj:
            check_out *= sizes_out[k][1]
        if check_in != check_out:
            return None
        groups.append((gi, gj))
    return groups if i == len(sizes_in) and j == len(sizes_out) else None


def _arrangements(labels: Sequence[Label]) -> list[tuple[Atom, ...]] | None:
    """Every factor sequence the dims may stand for (bags permuted), constants merged."""
    options: list[list[tuple[Atom, ...]]] = []
    total = 1
    for label in labels:
        if label.ordered:
            options.append([label.atoms])
        else:
            choices = sorted(set(permutations(label.atoms)), key=str)
            options.append(choices)
            total *= len(choices)
            if total > _MAX_ARRANGEMENTS:
                return None
    return [exact_label([atom for part in combo for atom in part], ordered=True).atoms for combo in product(*options)]


def _tokens(labels: Sequence[Label]) -> set[str]:
    return {atom for label in labels for atom in label.atoms if isinstance(atom, str) and atom.startswith("?")}


def _compatible(left: Sequence[Label], right: Sequence[Label]) -> bool | None:
    """Can both sides be read as the same factor sequence? None when that cannot be known."""
    if _tokens(left) != _tokens(right):
        return None  # a derived size split or merged differently: no way to compare its factors
    arranged_left, arranged_right = _arrangements(left), _arrangements(right)
    if arranged_left is None or arranged_right is None:
        return None
    return bool(set(arranged_left) & set(arranged_right))


def regroup(inputs: Sequence[Label], sizes_in: Sequence[tuple[int, int]], outputs: Sequence[Label], sizes_out: Sequence[tuple[int, int]]) -> Regroup:
    """Align a view's input and output dims (labels plus their sizes in both runs)."""
    keep_in = [k for k, size in enumerate(sizes_in) if size != (1, 1)]
    keep_out = [k for k, size in enumerate(sizes_out) if size != (1, 1)]
    groups = _groups([sizes_in[k] for k in keep_in], [sizes_out[k] for k in keep_out])
    if groups is None:
        return Regroup(None, None)
    result = list(outputs)
    reordered = None
    for gi, gj in groups:
        left = [inputs[keep_in[k]] for k in gi]
        right = [outputs[keep_out[k]] for k in gj]
        if len(gj) == 1:  # a merge (or a one-to-one copy): the output inherits the input's factors
            ordered = all(label.ordered for label in left) and all(label.exact for label in left)
            if all(label.exact for label in left):
                result[keep_out[gj[0]]] = exact_label([a for label in left for a in label.atoms], ordered)
            continue
        if reordered is None and _compatible(left, right) is False:
            reordered = (" x ".join(map(str, left)), " x ".join(map(str, right)))
    return Regroup(tuple(result), reordered)
