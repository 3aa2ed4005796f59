"""One line per finding, ``path:line:col: CODE severity message``, for editors' quickfix lists and grep.

Lines and columns are 1-based code points, as ruff and flake8 print them, so
the same problem-matchers parse both.
"""

from __future__ import annotations

from typing import TextIO

from nnlint.reporters.report import ALL_PASSED, Report, found_line


def write(report: Report, out: TextIO, *, color: bool) -> None:
    """Write ``report``; ``color`` is accepted for a uniform signature and unused (plain text only)."""
    if not report.diagnostics and not report.errors:
        out.write("" if report.quiet else ALL_PASSED + "\n")
        return
    out.writelines(f"error: {error}\n" for error in report.errors)
    out.writelines(f"{d.path}:{d.line + 1}:{d.column + 1}: {d.code} {d.severity.label} {d.message}\n" for d in report.diagnostics)
    if not report.quiet:
        out.write(found_line(len(report.diagnostics), report.fixable_phrase()) + "\n")
