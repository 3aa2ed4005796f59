"""Columns in the unit the client negotiated: UTF-16 code units unless it asked for UTF-8 or UTF-32.

LSP 3.17 lets a client offer ``general.positionEncodings`` and pygls picks the
first it supports (Neovim prefers UTF-8; VS Code knows only UTF-16). A
``Diagnostic`` counts code points, which is UTF-32; the conversion happens here,
once per published diagnostic, with the reporters' ``SourceLines`` for the text
and ``to_lsp`` for the shape, so the editor sees exactly what ``--format json`` writes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from nnlint.diagnostic import Diagnostic, Edit, Position, Range
from nnlint.reporters.json_lsp import to_lsp
from nnlint.reporters.positions import SourceLines

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def character(lines: SourceLines, position: Position, encoding: str) -> int:
    """``position.character`` (code points) in ``encoding``'s units; past a line's end the overshoot is kept."""
    if encoding == UTF32:
        return position.character
    if encoding == UTF16:
        return lines.utf16_character(position)
    text = lines.line(position.line)
    if text is None:
        return position.character
    before = text[: position.character]
    return len(before.encode("utf-8", "surrogatepass")) + max(0, position.character - len(text))


def position(lines: SourceLines, where: Position, encoding: str) -> Position:
    return Position(where.line, character(lines, where, encoding))


def lsp_diagnostic(diagnostic: Diagnostic, lines: SourceLines, encoding: str) -> dict[str, Any]:
    """``diagnostic`` as an LSP ``Diagnostic`` (JSON), every column, fix edits' included, in ``encoding``."""
    return to_lsp(in_units(diagnostic, lines, encoding), None)


def in_units(diagnostic: Diagnostic, lines: SourceLines, encoding: str) -> Diagnostic:
    """``diagnostic`` with its columns counted in ``encoding`` (so ``to_lsp(..., None)`` keeps them as they are)."""

    def moved(span: Range) -> Range:
        return Range(position(lines, span.start, encoding), position(lines, span.end, encoding))

    fix = diagnostic.fix
    if fix is not None:
        fix = replace(fix, edits=tuple(Edit(moved(edit.range), edit.new_text) for edit in fix.edits))
    related = tuple(replace(r, range=moved(r.range)) if r.path == diagnostic.path else r for r in diagnostic.related)
    return replace(diagnostic, range=moved(diagnostic.range), fix=fix, related=related)
