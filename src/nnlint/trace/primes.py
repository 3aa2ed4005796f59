"""Prime dimensions: give every free input dim a prime, then read sizes back as symbols.

With (64, 64, 64) inputs a swapped or merged axis is invisible (checklist item
25). With B=7, T=13 and D=64, a size of 91 can only be ``B*T`` and 448 only
``B*64``, so each dimension of every tensor carries where it came from.

Two things keep the reading honest:

* primes never divide a fixed size (of the spec or of the model's parameters),
  so a constant cannot be mistaken for a symbol;
* shapes are propagated twice, with two different prime assignments. A size is
  a *product* of symbols only if both runs factor to the same product;
  anything else (``T+1`` after prepending a token, ``H/2`` after a strided conv)
  is *derived*: shown with a best-effort formula and never used by a check,
  because a derived size that happens to be divisible by 7 is not the batch.

Pure Python, no torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from nnlint.trace.errors import TraceUsageError

#: Default primes for conventional names (the design's B=7, T=13, H=11, W=17).
PREFERRED = {"B": 7, "N": 7, "T": 13, "L": 13, "S": 13, "H": 11, "W": 17, "D": 19, "C": 23}

#: Candidate primes; 2, 3 and 5 divide too many real sizes to be recognisable.
POOL = tuple(p for p in range(7, 400) if all(p % q for q in range(2, int(p**0.5) + 1)))

Atom = str | int  # a symbol name, or a constant factor > 1; derived sizes are "?v1:v2" tokens


@dataclass(frozen=True)
class Assignment:
    """Symbol -> prime, for one propagation run; iteration order is the spec's order."""

    primes: Mapping[str, int]

    def factor(self, size: int) -> tuple[tuple[str, ...], int]:
        """Split ``size`` into symbols (canonical order, with repetition) and a constant."""
        symbols: list[str] = []
        rest = size
        if rest <= 0:
            return (), rest
        for name, prime in self.primes.items():
            while rest % prime == 0:
                symbols.append(name)
                rest //= prime
        return tuple(symbols), rest


def choose_assignments(symbols: Sequence[str], fixed: Iterable[int]) -> tuple[Assignment, Assignment]:
    """Two assignments of distinct primes to ``symbols``; no prime divides a fixed size.

    The first uses the conventional primes where allowed; the second gives every
    symbol a different prime from its first one, so that sizes that are not
    products of symbols show up as disagreements between the two runs.
    """
    fixed = [size for size in fixed if size > 1]
    allowed = [p for p in POOL if all(size % p for size in fixed)]
    wanted = {PREFERRED[name] for name in symbols if name in PREFERRED}
    first: dict[str, int] = {}
    for name in symbols:
        preferred = PREFERRED.get(name)
        if preferred in allowed and preferred not in first.values():
            first[name] = preferred
    spare = (p for p in allowed if p not in wanted and p not in first.values())
    second: dict[str, int] = {}
    deltas: set[int] = set()
    try:
        for name in symbols:
            if name not in first:
                first[name] = next(spare)
        for name in symbols:  # about twice as large, with distinct steps: a derived size points at one symbol
            second[name] = next(
                p for p in allowed
                if p >= 2 * first[name] - 3 and p not in second.values() and p - first[name] not in deltas
            )
            deltas.add(second[name] - first[name])
    except StopIteration:
        raise TraceUsageError(
            f"{len(symbols)} free dims are more than the tracer has primes for (the fixed sizes rule out"
            f" {len(POOL) - len(allowed)} of {len(POOL)}): pin some, e.g. H=32"
        ) from None
    return Assignment({n: first[n] for n in symbols}), Assignment(second)


@dataclass(frozen=True)
class Label:
    """Where one dimension's size came from.

    ``atoms`` is the ordered product (``("B", "T")`` for ``B*T``, ``("T", 64)``
    for ``T*64``); ``ordered`` says whether that order is known (it is when a
    view built the dim from neighbours, not when the size was merely factored).
    A derived size has ``exact=False`` and one opaque atom.
    """

    atoms: tuple[Atom, ...]
    exact: bool
    ordered: bool
    text: str
    base: str | None = None  # the one symbol a derived size was fitted to (``H`` for ``H/2``)

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(a for a in self.atoms if isinstance(a, str) and not a.startswith("?")) if self.exact else ()

    def has(self, symbol: str | None) -> bool:
        return symbol is not None and symbol in self.symbols

    def leads_with(self, symbol: str | None) -> bool:
        """True when the first symbol of the product is ``symbol`` (order known or trivial)."""
        found = self.symbols
        return bool(found) and found[0] == symbol and (self.ordered or len(set(found)) == 1)

    def __str__(self) -> str:
        return self.text


def render(atoms: Sequence[Atom]) -> str:
    """``("B", "T")`` -> ``B*T``; ``()`` -> ``1``."""
    return "*".join(str(atom) for atom in atoms) if atoms else "1"


def exact_label(atoms: Sequence[Atom], ordered: bool) -> Label:
    """A product label from atoms; constants next to each other are merged."""
    merged: list[Atom] = []
    for atom in atoms:
        if isinstance(atom, int):
            if atom == 1:
                continue
            if merged and isinstance(merged[-1], int):
                merged[-1] = merged[-1] * atom
                continue
        merged.append(atom)
    count = sum(1 for atom in merged if isinstance(atom, str))
    return Label(tuple(merged), True, ordered or len(merged) <= 1 or count == 0, render(merged))


def label_for(size1: int, size2: int, first: Assignment, second: Assignment, hint: str | None = None) -> Label:
    """The label of a dimension that measured ``size1`` in run 1 and ``size2`` in run 2.

    ``hint`` is the symbol the same axis had in the operation's input: a strided
    conv turns ``H`` into ``H/2``, and the hint is tried first when several
    symbols would explain the derived size.
    """
    symbols1, rest1 = first.factor(size1)
    symbols2, rest2 = second.factor(size2)
    if symbols1 == symbols2 and rest1 == rest2:
        atoms: tuple[Atom, ...] = symbols1 + ((rest1,) if rest1 != 1 else ())
        return exact_label(atoms, ordered=len(symbols1) <= 1)
    base, text = _fit(size1, size2, first, second, hint)
    return Label((f"?{size1}:{size2}",), False, True, text, base)


_DIVISORS = (2, 4, 8, 16, 32, 64) + tuple(k for k in range(3, 65) if k & (k - 1))  # strides are mostly 2


def _fit(size1: int, size2: int, first: Assignment, second: Assignment, hint: str | None) -> tuple[str | None, str]:
    """Display-only formula for a derived size: ``T+1``, ``H-2``, ``H/4``; else the number.

    Candidates, best first: the hint (the symbol of the same axis in the
    operation's input) before other symbols; then ``S+c``, then ``kS+c`` (both
    exact in the two runs, small ``c``), then ``S/k`` rounded either way
    (strided convs and pools) with powers of two before other ``k``.
    """
    candidates: list[tuple[tuple[int, ...], str, str]] = []
    for name, p1 in first.primes.items():
        p2 = second.primes[name]
        rank = int(name != hint)
        for times in range(1, 9):
            offset = size1 - times * p1
            if size2 - times * p2 == offset and abs(offset) <= 16:
                term = name if times == 1 else f"{times}{name}"
                text = term if offset == 0 else f"{term}{offset:+d}"
                candidates.append(((rank, int(times > 1), abs(offset)), name, text))
        for k in _DIVISORS:
            if size1 in (p1 // k, -(-p1 // k)) and size2 in (p2 // k, -(-p2 // k)):
                candidates.append(((rank, 2, _DIVISORS.index(k)), name, f"{name}/{k}"))
                break
    if not candidates:
        return None, str(size1)
    _, name, text = min(candidates)
    return name, text


def unverified_label(size1: int, first: Assignment) -> Label:
    """A size seen in one run only: shown factored, but never trusted by a check."""
    symbols, rest = first.factor(size1)
    return Label((f"?{size1}:",), False, True, render(symbols + ((rest,) if rest != 1 else ())))
