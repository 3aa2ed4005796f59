"""Turning a rule's LibCST edit into text edits, and applying text edits to a text.

A fix is stored on the Diagnostic as text edits (what LSP and SARIF carry);
``autofix`` applies them and ``file_write`` writes the result back safely.

Cuts (``rule.Cut``): deleting source between two node edges so that every comment in
it stays on the line it was on. A fix that replaced a whole ``nn.Sequential(...)`` by
regenerated code dropped or moved the comments of the layers around the removed one
(issue 10: ``# probs`` and ``# squash`` lost, ``# probabilities`` moved onto the
``nn.Linear`` line). A cut deletes only the text it must, and never a comment:

- a comment on a line whose code stays: after that code, with its spacing;
- a comment on a line whose code is all deleted: on its own line, at that line's indentation;
- a comment after the cut's end on the cut's last line (``nn.ReLU())  # squash``): on its
  own line with the code after the cut, never joined onto the line above (the rest of
  that line is not tokenized: a ``#`` in a string there only keeps a line break).

Without comments in or right after it, a cut is a plain deletion that joins lines.
Cuts lie inside brackets (the arguments of a call), where a line break needs no backslash.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import libcst as cst

from nnlint.diagnostic import Edit, Fix, Position, Range
from nnlint.positions import NodePositions
from nnlint.rule import Cut, PendingFix

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
    if pending.cuts:
        edits = cut_edits(pending, module, positions, lines)
        return Fix(pending.title, edits, pending.applicability) if edits else None
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


# --- cuts ------------------------------------------------------------------------------------------

def cut_edits(pending: PendingFix, module: cst.Module, positions: NodePositions, lines: list[str]) -> tuple[Edit, ...] | None:
    """The text edits of ``pending.cuts``; None when a position is unknown (then no fix is offered)."""
    breaks = _line_breaks(pending.old, module, positions, lines)
    if breaks is None:
        return None
    comments = _comments(pending.old, positions)
    edits = []
    for cut in pending.cuts:
        start, end = _edge(cut.start, positions), _edge(cut.end, positions)
        if start is None or end is None or end < start:
            return None
        if start < end or cut.new_text:
            edits.append(_cut_edit(cut, start, end, lines, breaks, comments))
    return tuple(edits) or None


def _cut_edit(cut: Cut, start: Position, end: Position, lines: list[str], breaks: dict[int, str],
              comments: dict[int, tuple[int, str]]) -> Edit:
    first_line, last_line = start.line, end.line
    inside = {line: found for line, found in comments.items() if start <= Position(line, found[0]) < end}
    before_cut, after_cut = lines[first_line][: start.character], lines[last_line][end.character:]
    if not inside and (first_line == last_line or "#" not in after_cut):  # (a "#" in a string only costs a line break)
        return Edit(Range(start, end), cut.new_text)  # no comment to keep: a plain deletion
    head = cut.new_text
    if first_line in inside:
        column, comment = inside[first_line]
        deleted = lines[first_line][start.character: column]
        if not deleted.strip():  # only the spacing before the comment is in the cut: keep it as it is
            head += deleted + comment
        else:
            spacing = deleted[len(deleted.rstrip()):] or "  "
            head += (spacing if (before_cut + head).strip() else "") + comment
    pieces = [(first_line, head)]  # (the line it comes from, its text): the rest of the first line, then whole lines
    pieces += [(line, _indentation(lines[line]) + inside[line][1]) for line in range(first_line + 1, last_line + 1) if line in inside]
    last_deleted = lines[last_line][: end.character]
    if last_line not in inside:
        if after_cut.strip():
            pieces.append((last_line, _indentation(last_deleted)))
            if last_deleted.strip():  # its code is gone: what follows the cut moves to the indentation
                end = Position(last_line, end.character + len(after_cut) - len(after_cut.lstrip()))
        else:
            end = Position(last_line, len(lines[last_line]))  # only spacing would be left: no blank line
    if not (before_cut + head).strip() and len(pieces) > 1:  # the first line would be blank: join it with the next
        pieces = [(pieces[1][0], pieces[1][1].lstrip()), *pieces[2:]]
    text = "".join(piece + breaks.get(line, "\n") for line, piece in pieces[:-1]) + pieces[-1][1]
    return Edit(Range(start, end), text)


def _indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _edge(edge: tuple[cst.CSTNode, str], positions: NodePositions) -> Position | None:
    node, side = edge
    where = positions.range_of(node)
    return None if where is None else where.start if side == "start" else where.end


def _comments(old: cst.CSTNode, positions: NodePositions) -> dict[int, tuple[int, str]]:
    """Line -> (column, text) of every comment in ``old`` (a line holds one comment at most)."""
    found: dict[int, tuple[int, str]] = {}

    class Collect(cst.CSTVisitor):
        def visit_Comment(self, node: cst.Comment) -> None:
            where = positions.range_of(node)
            if where is not None:
                found[where.start.line] = (where.start.character, node.value)

    old.visit(Collect())
    return found


def _line_breaks(old: cst.CSTNode, module: cst.Module, positions: NodePositions, lines: list[str]) -> dict[int, str] | None:
    """Line -> the line break ending it, for the lines of ``old``, read from its own source (a file may mix
    them); None when that source does not match the file's lines where the positions say it lies.

    (Generated alone, ``old`` lacks the indentation of the block around it on its continuation lines,
    so lines are compared without their leading whitespace.)"""
    where = positions.range_of(old)
    if where is None:
        return None
    bare = old.with_changes(lpar=(), rpar=()) if getattr(old, "lpar", None) else old  # its range excludes its parentheses
    code = module.code_for_node(bare)
    own = python_lines(code, keepends=True)
    if len(own) != where.end.line - where.start.line + 1:
        return None
    breaks = {}
    for index, piece in enumerate(own):
        line = where.start.line + index
        content = piece.rstrip("\r\n")
        if line >= len(lines):
            return None
        if content.lstrip() != lines[line][where.start.character if index == 0 else 0: where.end.character if line == where.end.line else None].lstrip():
            return None
        breaks[line] = piece[len(content):]
    return breaks
