"""The shape of a static rule: one class per file, its docs and examples inside it.

A rule declares ``code``, ``name``, ``checklist``, ``message``; its docstring is
its documentation (fixed headings, rendered into ``rules/``); ``valid`` and
``invalid`` examples are collected as tests. The engine creates one instance
per file and feeds all rules in one batched LibCST visit: a rule implements
``visit_<Node>`` / ``leave_<Node>`` methods and calls ``self.report(...)``.
Malformed rules fail at import time (``__init_subclass__``), not in a user's run.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

import libcst as cst

from nnlint.diagnostic import Applicability, Severity
from nnlint.rule_doc import RuleDoc

if TYPE_CHECKING:
    from nnlint.analysis.context import FileContext

MIN_EXAMPLES = 3


@dataclass(frozen=True)
class Valid:
    """Code the rule must stay silent on; ``why`` says what makes it tricky."""

    code: str
    why: str = ""
    filename: str = "train.py"


@dataclass(frozen=True)
class Invalid:
    """Code the rule must report; ``line`` (1-based, in the dedented snippet) pins where."""

    code: str
    line: int | None = None
    expected_fix: str | None = None  # the whole snippet after applying the rule's fix
    filename: str = "train.py"


@dataclass(frozen=True)
class Report:
    """What a rule found, before positions are resolved (the engine does that once per file)."""

    node: cst.CSTNode
    message: str
    fix: "PendingFix | None" = None
    notes: tuple[str, ...] = ()
    because: tuple["Because", ...] = ()


@dataclass(frozen=True)
class Because:
    """A node of this file on the path that led to a finding, and what it says (a related location)."""

    node: cst.CSTNode
    message: str


@dataclass(frozen=True)
class Cut:
    """Delete the source from ``start`` to ``end`` inside a fix's ``old`` node, writing ``new_text`` there.

    Each end is a node edge: ``(node, "start")`` or ``(node, "end")``, where an expression's own
    parentheses lie outside it. Unlike a replacement, a cut keeps every comment in the deleted
    source on the line it was on (``nnlint.cuts``).
    """

    start: tuple[cst.CSTNode, Literal["start", "end"]]
    end: tuple[cst.CSTNode, Literal["start", "end"]]
    new_text: str = ""


@dataclass(frozen=True)
class PendingFix:
    """A LibCST edit: replace ``old`` by ``new`` (a node, or source text), insert text before ``old``, or
    delete pieces of ``old`` (``cuts``; a fix that only removes code should use them: they keep comments)."""

    title: str
    old: cst.CSTNode
    new: cst.CSTNode | str | None = None
    insert_before: str | None = None  # a statement line inserted above ``old`` (a statement), same indent
    applicability: Applicability = Applicability.SAFE
    cuts: tuple[Cut, ...] = ()


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    checklist: ClassVar[tuple[int, ...]]
    message: ClassVar[str]
    help: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.WARNING
    fixable: ClassVar[bool] = False
    default_enabled: ClassVar[bool] = True
    #: a file whose text contains none of these words cannot match (checked before parsing)
    requires_text: ClassVar[tuple[str, ...]] = ("torch",)
    valid: ClassVar[list[Valid]] = []
    invalid: ClassVar[list[Invalid]] = []

    def __init__(self, context: "FileContext") -> None:
        self.context = context
        self.reports: list[Report] = []

    def report(self, node: cst.CSTNode, *, fix: PendingFix | None = None, notes: tuple[str, ...] = (),
               because: tuple[Because, ...] = (), **fields: object) -> None:
        self.reports.append(Report(node, self.message.format(**fields), fix, notes, because))

    @classmethod
    def doc(cls) -> RuleDoc:
        return RuleDoc(
            code=cls.code,
            name=cls.name,
            checklist=tuple(cls.checklist),
            summary=_first_line(cls.__doc__ or ""),
            docs=inspect.cleandoc(cls.__doc__ or ""),
            source="check",
            severity=cls.severity,
            fixable=cls.fixable,
            default_enabled=cls.default_enabled,
        )

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        problems = cls.doc().problems()
        if len(cls.valid) < MIN_EXAMPLES or len(cls.invalid) < MIN_EXAMPLES:
            problems.append(f"needs at least {MIN_EXAMPLES} valid and {MIN_EXAMPLES} invalid examples")
        if cls.fixable != any(example.expected_fix is not None for example in cls.invalid):
            problems.append("fixable rules show a fix in an invalid example (expected_fix), others do not")
        if problems:
            raise TypeError(f"rule {cls.__name__}: " + "; ".join(problems))


def _first_line(text: str) -> str:
    return inspect.cleandoc(text).split("\n", 1)[0].strip() if text.strip() else ""
