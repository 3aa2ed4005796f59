"""What ``check_source`` and ``check_paths`` return: a list of ``Diagnostic`` that shows itself as a table.

In a notebook the natural call is ``nnlint.check_source(code)`` as a cell's last
line: Jupyter then renders ``_repr_html_`` and rich (``rich.print``, rich's
IPython extension) renders ``__rich__``, instead of a wall of dataclass reprs.
It stays a ``list`` in every other respect (indexing, ``len``, ``==``, pickling),
so code that treats the result as a list of diagnostics keeps working.

Files that could not be checked (too large, too slow, unreadable, rejected by the
parser) are no findings, but they are not a pass either: their one-line reasons are
kept in ``errors`` and shown, so an empty list never reads "All checks passed!" for a
file nobody checked.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING

from nnlint.diagnostic import Diagnostic, rule_url
from nnlint.parsing import SYNTAX_ERROR_CODE
from nnlint.reporters.details import message_with_details
from nnlint.reporters.report import ALL_PASSED, found_line

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

_COLUMNS = ("location", "code", "severity", "message", "fix")


class Diagnostics(list[Diagnostic]):
    """The findings, in the order the engine sorted them; ``errors``: one line per file (or rule) that was not checked."""

    def __init__(self, diagnostics: Iterable[Diagnostic] = (), errors: Iterable[str] = ()) -> None:
        super().__init__(diagnostics)
        self.errors = list(errors)

    def _repr_html_(self) -> str:
        errors = "".join(f"<p><b>nnlint</b>: {html.escape(line)}</p>" for line in self.errors)
        if not self:
            return errors or f"<p><b>nnlint</b>: {html.escape(ALL_PASSED)}</p>"
        header = "".join(f"<th style='text-align:left'>{name}</th>" for name in _COLUMNS)
        rows = "".join("<tr>" + "".join(f"<td style='text-align:left'>{cell}</td>" for cell in _html_cells(d)) + "</tr>" for d in self)
        return errors + f"<table><caption>nnlint: {html.escape(_summary(self))}</caption><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"

    def __rich__(self) -> Table | Text:
        from rich.table import Table  # here, not at the top: ``import nnlint`` is on every pre-commit run's start-up
        from rich.text import Text

        if self.errors:
            title = "\n".join(self.errors) + ("\n" + _summary(self) if self else "")
            if not self:
                return Text(title, style="bold red")
        elif not self:
            return Text(ALL_PASSED, style="bold green")
        else:
            title = _summary(self)
        table = Table(title=f"nnlint: {title}", title_justify="left")
        for name in _COLUMNS:
            table.add_column(name, overflow="fold")
        for diagnostic in self:
            table.add_row(*_text_cells(diagnostic))
        return table


def _summary(diagnostics: list[Diagnostic]) -> str:
    return found_line(len(diagnostics), f"{sum(d.fix is not None for d in diagnostics)} fixable")


def _text_cells(diagnostic: Diagnostic) -> tuple[str, str, str, str, str]:
    """The row's cells as plain text: 1-based ``path:line:col``, code, severity, message with advice, fix."""
    start = diagnostic.range.start
    fix = "" if diagnostic.fix is None else f"{diagnostic.fix.title} ({diagnostic.fix.applicability.value})"
    return f"{diagnostic.path}:{start.line + 1}:{start.character + 1}", diagnostic.code, diagnostic.severity.label, message_with_details(diagnostic), fix


def _html_cells(diagnostic: Diagnostic) -> list[str]:
    location, code, severity, message, fix = (html.escape(cell).replace("\n", "<br>") for cell in _text_cells(diagnostic))
    if diagnostic.code != SYNTAX_ERROR_CODE:
        code = f"<a href='{html.escape(rule_url(diagnostic.code))}' target='_blank'>{code}</a>"
    return [location, code, severity, message, fix]
