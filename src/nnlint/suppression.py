"""Comments that silence findings: ``# nnlint: ignore[NN301]``, ``# noqa: NN301``,
a bare ``# noqa`` (everything on that line) and ``# nnlint: ignore-file``.

Comments are found with ``tokenize`` so that the same words inside a string do
not count; the cheap substring test first keeps files without any such comment
off that path entirely. Each comment keeps its directives with their columns, so
that NN001 can tell which of them hid nothing and remove exactly those codes.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from nnlint.diagnostic import Diagnostic

_IGNORE = re.compile(r"#\s*nnlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?(?![-\w])", re.IGNORECASE)
_IGNORE_FILE = re.compile(r"#\s*nnlint:\s*ignore-file\b", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
ALL_CODES = frozenset({"*"})


@dataclass(frozen=True)
class Directive:
    """One ``# noqa...`` or ``# nnlint: ignore...`` inside a comment; ``codes`` is None when bare."""

    kind: str  # "noqa" | "ignore"
    start: int  # columns in the comment's text
    end: int
    codes: tuple[str, ...] | None


@dataclass(frozen=True)
class Comment:
    line: int  # 0-based
    column: int  # where the comment starts in its line
    text: str
    directives: tuple[Directive, ...]


@dataclass(frozen=True)
class Suppressions:
    ignore_file: bool = False
    by_line: dict[int, frozenset[str]] = field(default_factory=dict)  # 0-based line -> codes ("*" = all)
    comments: tuple[Comment, ...] = ()  # those with at least one directive

    def hides(self, diagnostic: Diagnostic) -> bool:
        if self.ignore_file:
            return True
        return hides_code(self.by_line.get(diagnostic.line, frozenset()), diagnostic.code)


def hides_code(codes: frozenset[str] | tuple[str, ...], code: str) -> bool:
    """Whether the suppressed ``codes`` (exact codes, prefixes or ``*``) cover ``code``."""
    return "*" in codes or any(code.startswith(listed) for listed in codes)


def parse_suppressions(text: str) -> Suppressions:
    if "noqa" not in text.lower() and "nnlint:" not in text.lower():
        return Suppressions()
    ignore_file = False
    by_line: dict[int, frozenset[str]] = {}
    comments = []
    for line, column, comment in _comments(text):
        if _IGNORE_FILE.search(comment):
            ignore_file = True
            continue
        directives = _directives_in(comment)
        if directives:
            comments.append(Comment(line, column, comment, directives))
            codes = frozenset(code for d in directives for code in (ALL_CODES if d.codes is None else d.codes))
            if codes:  # `ignore[]` hides nothing
                by_line[line] = by_line.get(line, frozenset()) | codes
    return Suppressions(ignore_file, by_line, tuple(comments))


def _directives_in(comment: str) -> tuple[Directive, ...]:
    found = []
    for kind, pattern in (("ignore", _IGNORE), ("noqa", _NOQA)):
        for match in pattern.finditer(comment):
            listed = match.group("codes")
            codes = None if listed is None else tuple(code.upper() for code in re.split(r"[\s,]+", listed) if code)
            found.append(Directive(kind, match.start(), match.end(), codes))
    return tuple(sorted(found, key=lambda directive: directive.start))


def _comments(text: str) -> list[tuple[int, int, str]]:
    """(0-based line, column, comment text); on a tokenize error (the file does not parse) fall back to lines."""
    try:
        return [
            (token.start[0] - 1, token.start[1], token.string)
            for token in tokenize.generate_tokens(io.StringIO(text, newline=None).readline)  # lone CRs end lines too
            if token.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError):
        return [(number, line.index("#"), line[line.index("#"):]) for number, line in enumerate(text.splitlines()) if "#" in line]
