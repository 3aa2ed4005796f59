"""The advice under a finding as plain lines, for the formats that carry one text per finding.

SARIF messages, GitHub annotations and JUnit failures have no room for the
terminal's ``= help:`` / ``= note:`` / ``= because:`` rows, yet the help says what to do and a
note may be the only place that says where (``cell 3, line 2`` in a notebook).
"""

from __future__ import annotations

from nnlint.diagnostic import Diagnostic


def message_with_details(diagnostic: Diagnostic) -> str:
    """The message, then ``help: ...`` and one ``note: ...`` line per note."""
    lines = [diagnostic.message]
    if diagnostic.help:
        lines.append(f"help: {diagnostic.help}")
    lines.extend(f"note: {note}" for note in diagnostic.notes)
    lines.extend(f"because: {because}" for because in because_lines(diagnostic))
    return "\n".join(lines)


def because_lines(diagnostic: Diagnostic) -> list[str]:
    """Each related location as ``what it says (path:line)``, the line 1-based as editors show it."""
    return [f"{related.message} ({related.path}:{related.range.start.line + 1})" for related in diagnostic.related]
