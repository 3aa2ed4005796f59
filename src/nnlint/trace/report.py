"""What ``nnlint.trace()`` returns. Plain data: no torch import."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from nnlint.diagnostic import Diagnostic

if TYPE_CHECKING:
    import networkx


@dataclass(frozen=True)
class CaptureInfo:
    """Which capture tier worked, and why the ones before it did not."""

    tier: str  # "fx" | "export" | "make_fx" | "hooks"
    failures: tuple[tuple[str, str], ...] = ()  # (tier, one-line reason)
    notes: tuple[str, ...] = ()  # unknown regions, branches taken by stand-in values
    primes: Mapping[str, int] = field(default_factory=dict)  # symbol -> prime of the reported shapes
    nodes: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """Human-readable: ``captured by fx`` then one line per failed tier and note."""
        primes = ", ".join(f"{name}={prime}" for name, prime in self.primes.items())
        head = f"captured by {self.tier} ({self.nodes} nodes, {self.seconds:.2f} s)"
        lines = [head + (f"; free dims traced as {primes}" if primes else "")]
        lines += [f"  {tier} failed: {reason}" for tier, reason in self.failures]
        lines += [f"  note: {note}" for note in self.notes]
        return lines


@dataclass(frozen=True)
class SummaryRow:
    """One module of the summary table."""

    path: str
    type: str
    shape: str  # output shape with dim provenance, e.g. "[B, 64, H/2, W/2]"
    params: int
    trainable: int
    flags: tuple[str, ...]  # finding codes and markers such as "unused"


@dataclass
class TraceReport:
    """Diagnostics, the capture tier, the summary rows, and the graph (built on first use).

    Building the ``networkx`` graph is left until ``graph`` is read, so the
    command line does not import networkx unless ``--graph`` asks for a file.
    """

    diagnostics: list[Diagnostic]
    capture: CaptureInfo
    rows: list[SummaryRow]
    build_graph: Callable[[], networkx.DiGraph] = field(repr=False, compare=False)

    @cached_property
    def graph(self) -> networkx.DiGraph:
        return self.build_graph()

    @property
    def ok(self) -> bool:
        return not self.diagnostics
