"""Comments that silence findings: ``# nnlint: ignore[NN301]``, ``# noqa: NN301``,
a bare ``# noqa`` (everything on that line) and ``# nnlint: ignore-file``.

Comments are found with ``tokenize`` so that the same words inside a string do
not count; the cheap substring test first keeps files without any such comment
off that path entirely.
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
class Suppressions:
    ignore_file: bool = False
    by_line: dict[int, frozenset[str]] = field(default_factory=dict)  # 0-based line -> codes ("*" = all)

    def hides(self, diagnostic: Diagnostic) -> bool:
        if self.ignore_file:
            return True
        codes = self.by_line.get(diagnostic.line, frozenset())
        return "*" in codes or any(diagnostic.code.startswith(code) for code in codes)


def parse_suppressions(text: str) -> Suppressions:
    if "noqa" not in text.lower() and "nnlint:" not in text.lower():
        return Suppressions()
    ignore_file = False
    by_line: dict[int, frozenset[str]] = {}
    for line, comment in _comments(text):
        if _IGNORE_FILE.search(comment):
            ignore_file = True
            continue
        codes = _codes_in(comment)
        if codes:
            by_line[line] = by_line.get(line, frozenset()) | codes
    return Suppressions(ignore_file, by_line)


def _codes_in(comment: str) -> frozenset[str]:
    found: set[str] = set()
    for pattern in (_IGNORE, _NOQA):
        for match in pattern.finditer(comment):
            listed = match.group("codes")
            if listed is None:
                found |= ALL_CODES  # a bare `# noqa` or `# nnlint: ignore`
            else:
                found |= {code.upper() for code in re.split(r"[\s,]+", listed) if code}  # `ignore[]` hides nothing
    return frozenset(found)


def _comments(text: str) -> list[tuple[int, str]]:
    """(0-based line, comment text); on a tokenize error (the file does not parse) fall back to lines."""
    try:
        return [
            (token.start[0] - 1, token.string)
            for token in tokenize.generate_tokens(io.StringIO(text, newline=None).readline)  # lone CRs end lines too
            if token.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError):
        return [(number, line[line.index("#"):]) for number, line in enumerate(text.splitlines()) if "#" in line]
