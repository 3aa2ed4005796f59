"""Jupyter notebooks: the code cells checked as one program, the findings mapped back to the file.

A notebook's model is often built in one cell and its loss in another, so the
rules see the code cells joined in cell order, as the kernel runs them, with
IPython-only lines turned into ``pass`` (``ipython.py``) so that program lines
and cell lines stay in step.

Findings come back in the coordinates of the ``.ipynb`` file itself: the line
and column of the code inside the JSON string that holds it
(``located_json.py``). So JSON, SARIF and GitHub annotations point at the right
place of the file they name, and the terminal frame shows that line. Each
finding also gets a ``cell N, line L`` note for people (N counts every cell from
1, markdown included, as the notebook is scrolled). Fixes keep exact,
JSON-escaped edits but become display-only: ``--fix`` rewrites Python files,
never a notebook's JSON.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from nnlint.diagnostic import Applicability, Diagnostic, Edit, Fix, Position, Range
from nnlint.notebooks.ipython import python_lines
from nnlint.notebooks.located_json import LocatedString, parse
from nnlint.sources import UnreadableSource

__all__ = ["NOTEBOOK_SUFFIX", "Notebook", "is_notebook", "read_notebook"]

NOTEBOOK_SUFFIX = ".ipynb"

#: Python's own line breaks, as LibCST and the reporters count them.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def is_notebook(path: str) -> bool:
    return path.endswith(NOTEBOOK_SUFFIX)


@dataclass(frozen=True)
class _ProgramLine:
    cell: int  # 1-based index among all the notebook's cells
    number: int  # 0-based line within the cell
    offsets: tuple[int, ...]  # file offset of each character of the cell's line, then of the line's end


@dataclass(frozen=True)
class Notebook:
    """A notebook's code as one Python program, and the way back to positions in the ``.ipynb`` file."""

    program: str
    lines: tuple[_ProgramLine, ...]  # one per line of ``program``
    file_line_starts: tuple[int, ...]  # the offset where each line of the ``.ipynb`` text starts

    def to_file(self, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
        """``diagnostics`` found in ``program``, moved to the notebook file (see the module docstring)."""
        return [self._moved(diagnostic) for diagnostic in diagnostics] if self.lines else list(diagnostics)

    def cell_of(self, position: Position) -> tuple[int, int]:
        """``(cell, line)``, both 1-based, of a position in ``program``."""
        line = self._line(position.line)
        return line.cell, line.number + 1

    def _moved(self, diagnostic: Diagnostic) -> Diagnostic:
        cell, line = self.cell_of(diagnostic.range.start)
        return replace(
            diagnostic,
            range=self._range(diagnostic.range),
            fix=None if diagnostic.fix is None else self._fix(diagnostic.fix),
            notes=(f"cell {cell}, line {line}", *diagnostic.notes),
            related=tuple(replace(related, range=self._range(related.range)) for related in diagnostic.related),
        )

    def _fix(self, fix: Fix) -> Fix:
        escaped = (Edit(self._range(edit.range), json.dumps(edit.new_text, ensure_ascii=False)[1:-1]) for edit in fix.edits)
        return Fix(fix.title, tuple(escaped), Applicability.DISPLAY_ONLY)

    def _range(self, span: Range) -> Range:
        return Range(self._position(span.start), self._position(span.end))

    def _position(self, position: Position) -> Position:
        offsets = self._line(position.line).offsets
        offset = offsets[min(max(position.character, 0), len(offsets) - 1)]
        line = bisect.bisect_right(self.file_line_starts, offset) - 1
        return Position(line, offset - self.file_line_starts[line])

    def _line(self, number: int) -> _ProgramLine:
        return self.lines[min(max(number, 0), len(self.lines) - 1)]


def read_notebook(text: str, shown_as: str) -> Notebook:
    """The program of the notebook whose ``.ipynb`` text is ``text``; a notebook in another language has none."""
    try:
        document = parse(text)
    except (ValueError, RecursionError):
        raise UnreadableSource(f"{shown_as}: not a notebook (invalid JSON); not checked") from None
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list) or document.get("nbformat") != 4:
        raise UnreadableSource(f"{shown_as}: not a Jupyter notebook in nbformat 4; not checked")
    program: list[str] = []
    lines: list[_ProgramLine] = []
    if _language(document) in ("python", ""):
        for index, cell in enumerate(cells, start=1):
            if isinstance(cell, dict) and cell.get("cell_type") == "code":
                for text_line, line in _cell_lines(cell.get("source", ""), index, shown_as):
                    program.append(text_line)
                    lines.append(line)
    starts = (0, *(match.end() for match in _LINE_BREAK.finditer(text)))
    return Notebook("".join(program), tuple(lines), starts)


def _language(document: dict[str, Any]) -> str:
    """The kernel's language from the metadata, lower-case; "" when the notebook does not say."""
    metadata = document.get("metadata")
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        table = metadata.get(key) if isinstance(metadata, dict) else None
        if isinstance(table, dict) and isinstance(table.get(field), str):
            return str(table[field]).lower()
    return ""


def _cell_lines(source: Any, cell: int, shown_as: str) -> Iterator[tuple[str, _ProgramLine]]:
    """The cell's program lines (each ending in a line break), with the file offsets of the cell's characters."""
    pieces = source if isinstance(source, list) else [source]
    if not all(isinstance(piece, LocatedString) for piece in pieces):
        raise UnreadableSource(f"{shown_as}: cell {cell} has a source that is not text; not checked")
    text = "".join(pieces)
    offsets = [offset for piece in pieces for offset in piece.offsets()[:-1]]
    offsets.append(pieces[-1].offsets()[-1] if pieces else 0)
    bounds = list(_line_bounds(text))
    converted = python_lines([text[start:end] for start, end, _ in bounds])
    for number, ((start, end, after), line) in enumerate(zip(bounds, converted, strict=True)):
        yield line + (text[end:after] or "\n"), _ProgramLine(cell, number, tuple(offsets[start : end + 1]))


def _line_bounds(text: str) -> Iterator[tuple[int, int, int]]:
    """``(start, end, next start)`` of each line of ``text``; ``end`` is where its line break begins."""
    start = 0
    for match in _LINE_BREAK.finditer(text):
        yield start, match.start(), match.end()
        start = match.end()
    if start < len(text):
        yield start, len(text), len(text)
