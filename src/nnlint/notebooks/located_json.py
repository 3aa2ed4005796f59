"""JSON whose string values know where they sit in the file's text.

``json.loads`` says what a notebook contains but not where: to point a finding
at the code inside ``"source": ["loss = criterion(out, y)\\n"]`` we need the
file offset of each character of that string, escapes included. The document
is validated by ``json.loads`` first; this scan only adds the positions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

_TOKEN = re.compile(r'[ \t\n\r]*(?:(?P<string>"[^"\\]*(?:\\.[^"\\]*)*")|(?P<punct>[{}\[\]:,])|(?P<scalar>[^\s{}\[\]:,"]+))')
#: One character of a JSON string literal as written: a surrogate pair, another \u escape, a short escape, or itself.
_CHARACTER = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.|[^\\]", re.DOTALL)

Token = tuple[str, str, int]  # kind ("string", "punct", "scalar"), literal, file offset


class LocatedString(str):
    """A string value, with its literal as written and the file offset of the literal's opening quote."""

    literal: str
    start: int

    @classmethod
    def of(cls, literal: str, start: int) -> LocatedString:
        value = cls(json.loads(literal))
        value.literal, value.start = literal, start
        return value

    def offsets(self) -> list[int]:
        """The file offset of each character of the value, then that of the closing quote."""
        found = []
        position = self.start + 1
        for match in _CHARACTER.finditer(self.literal, 1, len(self.literal) - 1):
            found.append(position)
            position += len(match.group())
        found.append(position)
        return found


def parse(text: str) -> Any:
    """``json.loads(text)``, except that every string value is a ``LocatedString`` (object keys stay plain)."""
    json.loads(text)
    tokens = _tokens(text)
    return _value(tokens, next(tokens))


def _tokens(text: str) -> Iterator[Token]:
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or ""
        yield kind, match.group(kind), match.start(kind)


def _value(tokens: Iterator[Token], first: Token) -> Any:
    kind, literal, start = first
    if kind == "string":
        return LocatedString.of(literal, start)
    if kind == "scalar":
        return json.loads(literal)
    if literal == "[":
        items: list[Any] = []
        for token in tokens:
            if token[1] == "]":
                return items
            if token[1] != ",":
                items.append(_value(tokens, token))
    if literal == "{":
        table: dict[str, Any] = {}
        key: str | None = None
        for token in tokens:
            if token[1] == "}":
                return table
            if token[1] in (",", ":"):
                continue
            if key is None:
                key = json.loads(token[1])
            else:
                table[key], key = _value(tokens, token), None
    raise ValueError(f"unexpected JSON at offset {start}")
