"""Code actions built from the fixes the diagnostics carry, so the editor applies exactly what ``--fix`` would.

For a diagnostic under the cursor: "Fix NN301: <title>" (its fix's edits; an
unsafe fix says so and is not preferred; display-only fixes are never
offered) and "Ignore NN301 on this line" (a ``# nnlint: ignore[NN301]``
comment, offered only when the suppression module would honour it and the
file still parses). For the document: "Fix all safe nnlint problems"
(``source.fixAll.nnlint``, the kind editors run on save), one edit of the whole
text computed like ``--fix`` and refused if the result would not parse.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from typing import Any

from lsprotocol import types
from lsprotocol.converters import get_converter

from nnlint.autofix import fixed_text
from nnlint.diagnostic import Applicability, Diagnostic, Edit, Position, Range
from nnlint.fixes import apply_edits
from nnlint.lsp.kinds import FIX_ALL_KIND
from nnlint.lsp.messages import CheckedDocument
from nnlint.lsp.units import lsp_diagnostic, position
from nnlint.parsing import SYNTAX_ERROR_CODE
from nnlint.reporters.positions import SourceLines
from nnlint.suppression import parse_suppressions

FIX_ALL_TITLE = "Fix all safe nnlint problems"
_CONVERTER = get_converter()


def code_actions(
    document: CheckedDocument, requested: types.Range, encoding: str, *, only: Sequence[str] | None = None, versioned: bool = True
) -> list[types.CodeAction]:
    lines = SourceLines(document.text)
    edit = _WorkspaceEdits(document, lines, encoding, versioned)
    actions: list[types.CodeAction] = []
    if _wanted(types.CodeActionKind.QuickFix.value, only):
        for diagnostic in document.diagnostics:
            shown = lsp_diagnostic(diagnostic, lines, encoding)
            if _overlaps(shown["range"], requested):
                actions.extend(_quick_fixes(diagnostic, _CONVERTER.structure(shown, types.Diagnostic), edit))
    if _wanted(FIX_ALL_KIND, only):
        actions.extend(_fix_all(document, edit))
    return actions


def _quick_fixes(diagnostic: Diagnostic, shown: types.Diagnostic, edit: _WorkspaceEdits) -> Iterable[types.CodeAction]:
    fix = diagnostic.fix
    if fix is not None and fix.applicability is not Applicability.DISPLAY_ONLY:
        safe = fix.applicability is Applicability.SAFE
        yield types.CodeAction(
            title=f"Fix {diagnostic.code}: {fix.title}" + ("" if safe else " (unsafe)"),
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[shown],
            is_preferred=safe,
            edit=edit.of(fix.edits),
        )
    ignore = _ignore_comment(diagnostic, edit.document.text, edit.lines)
    if ignore is not None:
        yield types.CodeAction(
            title=f"Ignore {diagnostic.code} on this line", kind=types.CodeActionKind.QuickFix, diagnostics=[shown], edit=edit.of([ignore])
        )


def _ignore_comment(diagnostic: Diagnostic, text: str, lines: SourceLines) -> Edit | None:
    """The edit that appends ``# nnlint: ignore[CODE]`` to the finding's line, if it would hide the finding."""
    line = lines.line(diagnostic.line)
    if diagnostic.code == SYNTAX_ERROR_CODE or line is None:
        return None
    end = Position(diagnostic.line, len(line))
    edit = Edit(Range(end, end), f"{'  ' if line.strip() else ''}# nnlint: ignore[{diagnostic.code}]")
    new_text = apply_edits(text, [edit])
    if not _parses(new_text) or not parse_suppressions(new_text).hides(diagnostic):
        return None  # e.g. the line ends inside a multi-line string: a comment there would be text
    return edit


def _fix_all(document: CheckedDocument, edit: _WorkspaceEdits) -> Iterable[types.CodeAction]:
    new_text = fixed_text(document.text, document.diagnostics, unsafe=False)
    if new_text != document.text and _parses(new_text):
        whole = Range(Position(0, 0), _end_of(document.text, edit.lines))
        yield types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL_KIND, edit=edit.of([Edit(whole, new_text)]))


def _end_of(text: str, lines: SourceLines) -> Position:
    """The position after the last character (the start of the empty last line after a final line break)."""
    if text.endswith(("\n", "\r")) or len(lines) == 0:
        return Position(len(lines), 0)
    return Position(len(lines) - 1, len(lines.line(len(lines) - 1) or ""))


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    """LSP's ``only`` filter: a requested kind matches itself and its sub-kinds (``source`` matches ``source.fixAll.nnlint``)."""
    return only is None or any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


def _overlaps(span: dict[str, Any], requested: types.Range) -> bool:
    start = (span["start"]["line"], span["start"]["character"])
    end = (span["end"]["line"], span["end"]["character"])
    return start <= (requested.end.line, requested.end.character) and (requested.start.line, requested.start.character) <= end


class _WorkspaceEdits:
    """Text edits of one document (code points) -> a ``WorkspaceEdit`` in the client's units, versioned if it can."""

    def __init__(self, document: CheckedDocument, lines: SourceLines, encoding: str, versioned: bool) -> None:
        self.document, self.lines, self.encoding, self.versioned = document, lines, encoding, versioned

    def of(self, edits: Iterable[Edit]) -> types.WorkspaceEdit:
        text_edits = [types.TextEdit(range=self._range(edit.range), new_text=edit.new_text) for edit in edits]
        if not self.versioned:
            return types.WorkspaceEdit(changes={self.document.uri: text_edits})
        identifier = types.OptionalVersionedTextDocumentIdentifier(uri=self.document.uri, version=self.document.version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=identifier, edits=text_edits)])

    def _range(self, span: Range) -> types.Range:
        start, end = position(self.lines, span.start, self.encoding), position(self.lines, span.end, self.encoding)
        return types.Range(start=types.Position(start.line, start.character), end=types.Position(end.line, end.character))
