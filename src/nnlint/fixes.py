"""Turning a rule's LibCST edit into text edits, and applying text edits to a text.

A fix is stored on the Diagnostic as text edits (what LSP and SARIF carry);
``autofix`` applies them and ``file_write`` writes the result back safely.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import libcst as cst

from nnlint.diagnostic import Edit, Fix, Position, Range
from nnlint.positions import NodePositions
from nnlint.rule import PendingFix

#: Python's own line breaks, the ones LibCST and Diagnostic positions count. ``str.splitlines``
#: also breaks at form feeds, \x0b, \x1c-\x1e, \x85, U+2028 and U+2029, so an edit placed
#: with it lands lines away from its target (found by tests/test_fuzz.py; see python_lines).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def python_lines(text: str, keepends: bool = False) -> list[str]:
    """``text`` split at Python's line breaks only (``str.splitlines`` semantics otherwise)."""
    if not keepends:
        lines = _LINE_BREAK.split(text)
        return lines[:-1] if lines and lines[-1] == "" else lines
    ends = [match.end() for match in _LINE_BREAK.finditer(text)]
    starts = [0, *ends]
    return [text[start:end] for start, end in zip(starts, [*ends, len(text)]) if start < end]


def text_edits(pending: PendingFix, module: cst.Module, positions: NodePositions, lines: list[str]) -> Fix | None:
    where = positions.range_of(pending.old)
    if where is None:
        return None
    if pending.insert_before is not None:
        line = lines[where.start.line] if where.start.line < len(lines) else ""
        indent = line[: len(line) - len(line.lstrip())]
        start = Position(where.start.line, 0)
        edit = Edit(Range(start, start), f"{indent}{pending.insert_before}{module.default_newline}")
    else:
        new = pending.new if isinstance(pending.new, str) else module.code_for_node(pending.new) if pending.new is not None else ""
        edit = Edit(where, new)
    return Fix(pending.title, (edit,), pending.applicability)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (overlapping or duplicate ones after the first are skipped)."""
    offsets = _line_offsets(text)
    chosen: list[tuple[int, int, str]] = []
    for edit in sorted(set(edits), key=lambda e: (e.range.start, e.range.end)):
        start, end = _offset(offsets, edit.range.start), _offset(offsets, edit.range.end)
        if chosen and start < chosen[-1][1]:
            continue
        chosen.append((start, end, edit.new_text))
    for start, end, new_text in reversed(chosen):
        text = text[:start] + new_text + text[end:]
    return text


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    for line in python_lines(text, keepends=True):
        offsets.append(offsets[-1] + len(line))
    return offsets


def _offset(offsets: list[int], position: Position) -> int:
    line = min(position.line, len(offsets) - 1)
    return offsets[line] + position.character
