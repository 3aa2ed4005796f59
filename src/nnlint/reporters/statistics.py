"""``--statistics``: how many findings of each code, most frequent first, then the summary (ruff's ``--statistics``).

For a first run on a big project, where the list of findings is too long to read
and the question is which rules to look at (or to switch off) first.
"""

from __future__ import annotations

from typing import TextIO

from nnlint.reporters.report import ALL_PASSED, Report, found_line


def write(report: Report, out: TextIO, *, color: bool) -> None:
    """Write the counts of ``report``; ``color`` is unused (plain text only)."""
    out.writelines(f"error: {error}\n" for error in report.errors)
    out.writelines(row + "\n" for row in report.count_table())
    if not report.quiet:
        out.write(found_line(len(report.diagnostics), report.fixable_phrase()) + "\n" if report.diagnostics or report.errors
                  else ALL_PASSED + "\n")
