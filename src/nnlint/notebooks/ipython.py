"""A code cell's lines as Python: IPython-only syntax becomes ``pass``, line for line.

IPython rewrites ``%magic``, ``!shell``, ``x = !cmd``, ``obj?`` and ``?obj``
before Python sees them, but only at the start of a logical line: the ``%`` of
``("%s" \\n % args)`` or the ``!=`` opening a continuation line are Python. So
the lines are scanned for open brackets, open strings and backslashes, and only
a line that starts a statement may be IPython's. A cell that starts with a
``%%`` cell magic is not Python at all (``%%bash``) or is run by the magic
(``%%time``); either way none of it is checked. Replacing with ``pass`` at the
same indentation keeps an ``if`` whose body was a magic valid, and keeps every
line where it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_IPYTHON_ONLY = re.compile(
    r"""(?P<indent>[ \t]*)
        (?: [%!?]                              # %magic, !shell, ?help, ??help
          | [\w.]+\?{1,2}[ \t]*$               # help after a name: obj? obj??
          | [\w.,()\[\] \t]+ = [ \t]* [%!]     # files = !ls, t = %timeit -o f()
        )""",
    re.VERBOSE,
)
_CELL_MAGIC = re.compile(r"\s*%%")
_STRING_START = re.compile(r"""(?i:[rbuf]{0,2})('''|\"\"\"|'|")""")


def python_lines(lines: Sequence[str]) -> list[str]:
    """``lines`` (without their line breaks) with IPython-only lines replaced; as many lines as given."""
    if lines and _CELL_MAGIC.match("\n".join(lines)):
        return ["" for _ in lines]
    scanner = _Continuation()
    converted = []
    for line in lines:
        match = None if scanner.open else _IPYTHON_ONLY.match(line)
        converted.append(line if match is None else match.group("indent") + "pass")
        scanner.feed(converted[-1])
    return converted


class _Continuation:
    """Whether the next line continues a statement: an open bracket, an open string, a final backslash."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote = ""  # the open string's quote, or ""
        self.backslash = False

    @property
    def open(self) -> bool:
        return self.depth > 0 or bool(self.quote) or self.backslash

    def feed(self, line: str) -> None:
        index = 0
        self.backslash = False
        while index < len(line):
            if self.quote:
                index = self._close_string(line, index)
                continue
            char = line[index]
            if char == "#":
                break
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            elif char == "\\" and index == len(line) - 1:
                self.backslash = True
            else:
                string = _STRING_START.match(line, index)
                if string is not None and (index == 0 or not (line[index - 1].isalnum() or line[index - 1] == "_")):
                    self.quote = string.group(1)
                    index = string.end()
                    continue
            index += 1
        if len(self.quote) == 1 and not self.backslash:
            self.quote = ""  # a one-line string left open: a syntax error Python will report

    def _close_string(self, line: str, index: int) -> int:
        """Scan a string from ``index``; the index after its closing quote, or the line's end."""
        while index < len(line):
            if line[index] == "\\":
                if index == len(line) - 1:
                    self.backslash = True
                index += 2
            elif line.startswith(self.quote, index):
                end = index + len(self.quote)
                self.quote = ""
                return end
            else:
                index += 1
        return index
