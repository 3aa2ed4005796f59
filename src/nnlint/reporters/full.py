"""The default terminal report: each finding with its code frame, checklist items and advice.

Modelled on ruff's and rustc's full output: a ``path:line:col:`` header an editor
can jump to, the offending lines under a line-number gutter, ``^`` under the
span, then ``= checklist / help / note / fix`` lines. Rendered with ``rich``,
which writes plain text, with no escape codes at all, when colour is off. Tabs are
expanded and wide characters measured in terminal cells so the carets stay under
the span whatever the line holds.
"""

from __future__ import annotations

from typing import TextIO

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from nnlint.diagnostic import Diagnostic, Severity
from nnlint.reporters.checklist_titles import describe_items
from nnlint.reporters.details import because_lines
from nnlint.reporters.positions import SourceLines
from nnlint.reporters.report import ALL_PASSED, Report, found_line

TAB_WIDTH = 4
CONTEXT_LINES = 1  # shown before and after the span
MAX_SPAN_LINES = 4  # a longer span shows its first lines, "...", and its last line

SEVERITY_STYLES = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "bold yellow",
    Severity.INFO: "bold blue",
    Severity.HINT: "bold cyan",
}
GUTTER_STYLE = "bold blue"


def write(report: Report, out: TextIO, *, color: bool) -> None:
    console = _console(out, color)
    if not report.diagnostics and not report.errors:
        if not report.quiet:
            console.print(Text(ALL_PASSED, style="bold green"))
        return
    for error in report.errors:
        console.print(Text.assemble(("error", "bold red"), f": {error}"), soft_wrap=True)
    if report.errors:
        console.print()
    for path, diagnostics in report.by_file():
        lines = report.lines(path)
        for diagnostic in diagnostics:
            console.print(_render(diagnostic, lines), soft_wrap=True)
            console.print()
    if not report.quiet:
        console.print(_summary(report), soft_wrap=True)


def _console(out: TextIO, color: bool) -> Console:
    """A console that decides nothing by itself: colour is the caller's choice, lines never wrap."""
    return Console(
        file=out,
        color_system="standard" if color else None,
        force_terminal=color,
        force_jupyter=False,
        force_interactive=False,
        no_color=not color,
        legacy_windows=False,
        markup=False,
        emoji=False,
        highlight=False,
    )


def _render(diagnostic: Diagnostic, lines: SourceLines | None) -> Text:
    style = SEVERITY_STYLES[diagnostic.severity]
    start = diagnostic.range.start
    header = Text.assemble(
        (f"{diagnostic.path}:{start.line + 1}:{start.character + 1}:", "bold"),
        " ",
        (diagnostic.code, style),
        " ",
        (diagnostic.severity.label, style),  # in words too: without colour the severity was invisible
        " ",
        (f"[{diagnostic.name}]", "dim"),
        f" {diagnostic.message}",
    )
    shown = _shown_lines(diagnostic, lines) if lines is not None else []
    width = len(str(max((number for number in shown if number is not None), default=start.line) + 1))
    rows = [header]
    if lines is not None and shown:
        rows.extend(_frame(diagnostic, lines, shown, width, style))
    rows.extend(_advice(diagnostic, width))
    return Text("\n").join(rows)


def _shown_lines(diagnostic: Diagnostic, lines: SourceLines) -> list[int | None]:
    """The 0-based lines of the frame; None stands for the elided middle of a long span."""
    first = diagnostic.range.start.line
    if lines.line(first) is None:
        return []
    last = min(max(diagnostic.range.end.line, first), len(lines) - 1)
    span: list[int | None] = list(range(first, last + 1))
    if len(span) > MAX_SPAN_LINES:
        span = [*span[: MAX_SPAN_LINES - 1], None, last]
    before = range(max(0, first - CONTEXT_LINES), first)
    after = range(last + 1, min(len(lines), last + 1 + CONTEXT_LINES))
    return [*before, *span, *after]


def _frame(diagnostic: Diagnostic, lines: SourceLines, shown: list[int | None], width: int, style: str) -> list[Text]:
    def gutter(label: str = "") -> Text:
        return Text(f"{label:>{width}} |", style=GUTTER_STYLE)

    rows = [gutter()]
    for number in shown:
        text = "..." if number is None else (lines.line(number) or "").expandtabs(TAB_WIDTH)
        rows.append(Text.assemble(gutter("" if number is None else str(number + 1)), f" {text}" if text else ""))
        if number == diagnostic.range.start.line:
            indent, carets = _underline(diagnostic, lines.line(number) or "")
            rows.append(Text.assemble(gutter(), " " + " " * indent, ("^" * carets, style)))
    rows.append(gutter())
    return rows


def _underline(diagnostic: Diagnostic, line: str) -> tuple[int, int]:
    """Cells before the span and cells under it on its first line (at least one caret)."""
    start, end = diagnostic.range.start, diagnostic.range.end
    stop = end.character if end.line == start.line else len(line)
    indent = _cells(line[: start.character])
    return indent, max(1, _cells(line[: max(stop, start.character)]) - indent)


def _cells(text: str) -> int:
    return cell_len(text.expandtabs(TAB_WIDTH))


def _advice(diagnostic: Diagnostic, width: int) -> list[Text]:
    """The ``= label: text`` lines under the frame."""
    entries: list[tuple[str, str]] = []
    if diagnostic.checklist:
        entries.append(("checklist", describe_items(diagnostic.checklist)))
    if diagnostic.help:
        entries.append(("help", diagnostic.help))
    entries.extend(("note", note) for note in diagnostic.notes)
    entries.extend(("because", because) for because in because_lines(diagnostic))
    if diagnostic.fix is not None:
        entries.append((f"fix ({diagnostic.fix.applicability.value})", diagnostic.fix.title))
    return [Text.assemble((f"{'':>{width}} =", GUTTER_STYLE), " ", (label, "bold"), f": {body}") for label, body in entries]


def _summary(report: Report) -> Text:
    rows = [Text(found_line(len(report.diagnostics), report.fixable_phrase(" with --fix")), style="bold")]
    rows.extend(Text(row) for row in report.count_table())
    return Text("\n").join(rows)
