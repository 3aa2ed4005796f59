"""Turning a doctor check's result into a ``Diagnostic`` (no torch here).

Every check names a code from ``codes.CODES`` and a ``Location``; the name,
severity and checklist items come from the catalogue entry, so a check cannot
report a code that is not documented.
"""

from __future__ import annotations

import linecache
from collections.abc import Iterable
from dataclasses import dataclass

from nnlint.diagnostic import Diagnostic, Range
from nnlint.doctor.codes import BY_CODE


@dataclass(frozen=True)
class Location:
    """A place in the user's code: a path as the user would type it and a 0-based line."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line + 1}"


def finding(code: str, message: str, where: Location, help: str, notes: Iterable[str] = ()) -> Diagnostic:
    """A doctor ``Diagnostic`` for ``code`` at ``where`` (the whole line: runtime findings have no column)."""
    doc = BY_CODE[code]
    return Diagnostic(
        code=code,
        name=doc.name,
        message=message,
        path=where.path,
        range=_line_span(where),
        severity=doc.severity,
        checklist=doc.checklist,
        source="doctor",
        help=help,
        notes=tuple(notes),
    )


def _line_span(where: Location) -> Range:
    """The code on the line, indentation and trailing blanks left out (the whole line is what a runtime finding knows)."""
    text = linecache.getline(where.path, where.line + 1).rstrip()
    start = len(text) - len(text.lstrip())
    return Range.of(where.line, start, where.line, len(text))


def number(value: float) -> str:
    """A measured value, short: 3 significant digits, scientific notation when far from 1."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value != 0 and (abs(value) < 1e-2 or abs(value) >= 1e4):
        return f"{value:.2e}"
    return f"{value:.3g}"


def curve(values: list[float], points: int = 5) -> str:
    """A loss curve in a few numbers: the first, evenly spaced middles and the last, each with its step."""
    if not values:
        return ""
    marks = sorted({round(i * (len(values) - 1) / (points - 1)) for i in range(points)})
    return " -> ".join(f"{number(values[i])}@{i}" for i in marks)


def first_line(error: BaseException) -> str:
    """An exception in one line: its type and the first line of its message."""
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__
