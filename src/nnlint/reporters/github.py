"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request's diff.

``::error file=train.py,line=4,col=8,endLine=4,endColumn=33,title=NN301::message``
(``warning`` and ``notice`` for lower severities). Lines and columns are 1-based,
the end column exclusive, as ruff writes them. Values are escaped the way the
Actions runner unescapes them (``%``, CR, LF everywhere; ``:`` and ``,`` in
properties too), so a path or message can never break the command.
"""

from __future__ import annotations

from typing import TextIO

from nnlint.diagnostic import Diagnostic, Severity
from nnlint.reporters.details import message_with_details
from nnlint.reporters.report import ALL_PASSED, Report, found_line

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice", Severity.HINT: "notice"}


def write(report: Report, out: TextIO, *, color: bool) -> None:
    """Write one annotation per finding and per unreadable file, then the summary line; ``color`` is unused."""
    out.writelines(f"::error title=nnlint::{_escape_data(error)}\n" for error in report.errors)
    out.writelines(annotation(diagnostic) + "\n" for diagnostic in report.diagnostics)
    if report.quiet:
        return
    if report.diagnostics or report.errors:
        out.write(found_line(len(report.diagnostics), report.fixable_phrase()) + "\n")
    else:
        out.write(ALL_PASSED + "\n")


def annotation(diagnostic: Diagnostic) -> str:
    start, end = diagnostic.range.start, diagnostic.range.end
    properties = {
        "file": diagnostic.path,
        "line": start.line + 1,
        "col": start.character + 1,
        "endLine": end.line + 1,
        "endColumn": end.character + 1,
        "title": diagnostic.code,
    }
    rendered = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties.items())
    return f"::{_COMMANDS[diagnostic.severity]} {rendered}::{_escape_data(message_with_details(diagnostic))}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
