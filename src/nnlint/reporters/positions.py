"""Source lines and column units, converted once at the edge.

A ``Diagnostic`` counts columns in code points. Editors speaking LSP count
UTF-16 code units (a character outside the Basic Multilingual Plane, such as
most emoji, is two), and a terminal frame needs display cells with tabs
expanded. Each reporter that needs another unit asks this module, and a file's
text is split into lines once, however many positions are converted.
"""

from __future__ import annotations

import re

from nnlint.diagnostic import Position

#: Python's own line breaks (what LibCST counts); ``str.splitlines`` would also
#: split on form feeds and Unicode separators and shift every later line.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def utf16_length(text: str) -> int:
    """How many UTF-16 code units ``text`` takes (lone surrogates count one, never raise)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


class SourceLines:
    """A file's text split into lines, for the positions of the diagnostics in it."""

    def __init__(self, text: str) -> None:
        lines = _LINE_BREAK.split(text)
        if len(lines) > 1 and lines[-1] == "":
            lines.pop()  # the text after the final line break is no line of its own
        self._lines = tuple(lines)

    def __len__(self) -> int:
        return len(self._lines)

    def line(self, number: int) -> str | None:
        """The 0-based line ``number`` without its line break, or None past the end."""
        return self._lines[number] if 0 <= number < len(self._lines) else None

    def utf16_character(self, position: Position) -> int:
        """``position.character`` in UTF-16 code units.

        Columns past the end of the line (a span ending at the line break) keep
        their overshoot; a line the text does not have leaves the column as it is.
        """
        text = self.line(position.line)
        if text is None:
            return position.character
        before = text[: position.character]
        return utf16_length(before) + max(0, position.character - len(text))
