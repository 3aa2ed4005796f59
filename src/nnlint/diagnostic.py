"""The one data model every half of nnlint reports in.

The static checker, the model tracer and the training doctor all produce
``Diagnostic`` objects; every reporter (terminal, JSON/LSP, SARIF, GitHub) is a
pure function of them. Positions are 0-based lines and 0-based code-point
columns, like LSP's ``Position`` except that LSP counts UTF-16 units: that
conversion happens once, at the edge, in the reporter that needs it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """How bad a finding is; the numbers are LSP's ``DiagnosticSeverity``."""

    ERROR = 1
    WARNING = 2
    INFO = 3
    HINT = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        """Read ``"error"``/``"warning"``/``"info"``/``"hint"`` (config files use words)."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning, info or hint)") from None


class Applicability(enum.Enum):
    """Whether a fix may be applied without a human reading it (ruff's vocabulary)."""

    SAFE = "safe"  # keeps the program's meaning except for the bug it fixes
    UNSAFE = "unsafe"  # very likely right, but may change behaviour a user relied on
    DISPLAY_ONLY = "display-only"  # shown as a suggestion, never applied


@dataclass(frozen=True, order=True)
class Position:
    line: int  # 0-based
    character: int  # 0-based, in code points


@dataclass(frozen=True, order=True)
class Range:
    start: Position
    end: Position

    @classmethod
    def of(cls, line: int, col: int, end_line: int | None = None, end_col: int | None = None) -> "Range":
        return cls(Position(line, col), Position(line if end_line is None else end_line, col if end_col is None else end_col))


@dataclass(frozen=True)
class Edit:
    """Replace the text in ``range`` by ``new_text`` (an empty range inserts)."""

    range: Range
    new_text: str


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE


@dataclass(frozen=True)
class Related:
    """A place on the path that led to a finding: where a value came from, the loop that makes it matter.

    The finding lands where the fix goes; these say why, each at its own place, so an editor can
    jump there (LSP ``relatedInformation``, SARIF ``relatedLocations``, the full report's ``because`` lines).
    """

    path: str
    range: Range
    message: str


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    message: str
    path: str
    range: Range
    severity: Severity = Severity.WARNING
    checklist: tuple[int, ...] = ()
    fix: Fix | None = None
    source: str = "check"  # "check" | "trace" | "doctor"
    help: str = ""  # one line: what to do instead
    notes: tuple[str, ...] = field(default=())  # extra lines without a place of their own
    related: tuple[Related, ...] = field(default=())  # the path that led here, in order

    @property
    def line(self) -> int:
        return self.range.start.line

    @property
    def column(self) -> int:
        return self.range.start.character

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.range.start.line, self.range.start.character, self.code, self.message)


def rule_url(code: str) -> str:
    """Where a rule's page lives; reporters link to it (LSP ``codeDescription.href``)."""
    return f"https://github.com/nnlint/nnlint/blob/main/rules/{code}.md"
