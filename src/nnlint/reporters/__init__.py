"""Reporters: every output format is a pure function of the same diagnostics.

``write_report`` sorts and groups the diagnostics once (``Report``), settles the
colour question once, and hands both to the format's ``write``. Adding a format
is one module with ``write(report, out, *, color)`` and one line in ``_WRITERS``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TextIO

from nnlint.diagnostic import Diagnostic
from nnlint.reporters import concise, full, github, json_lsp, junit, sarif, statistics
from nnlint.reporters.color import use_color
from nnlint.reporters.report import Report


class Writer(Protocol):
    """What each format module's ``write`` is; formats without colour ignore ``color``."""

    def __call__(self, report: Report, out: TextIO, *, color: bool) -> None: ...


_WRITERS: Mapping[str, Writer] = {
    "full": full.write,
    "concise": concise.write,
    "json": json_lsp.write,
    "sarif": sarif.write,
    "github": github.write,
    "junit": junit.write,
}

FORMATS: tuple[str, ...] = tuple(_WRITERS)

#: ``--statistics``: not an output format of the findings, a count of them, so not in FORMATS.
STATISTICS = "statistics"
_WRITERS = {**_WRITERS, STATISTICS: statistics.write}

__all__ = ["FORMATS", "STATISTICS", "Report", "write_report"]


def write_report(
    diagnostics: Sequence[Diagnostic],
    fmt: str,
    out: TextIO,
    *,
    sources: Mapping[str, str] | None = None,
    errors: Sequence[str] = (),
    color: bool | None = None,
    quiet: bool = False,
) -> None:
    """Write ``diagnostics`` to ``out`` in format ``fmt`` (one of ``FORMATS``).

    ``sources`` maps a path to its text (code frames, UTF-16 columns); ``errors``
    are one-line messages for files that could not be checked; ``color=None``
    follows the TTY, ``NO_COLOR`` and ``FORCE_COLOR``; ``quiet`` leaves out the summary lines.
    """
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"unknown output format {fmt!r} (expected one of {', '.join(FORMATS)})")
    writer(Report.of(diagnostics, sources, errors, quiet), out, color=use_color(out, color))
