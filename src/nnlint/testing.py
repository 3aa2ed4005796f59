"""Running a rule's own examples: what the generated tests and rule authors use.

Kept in the package (like Fixit's ``testing.py``) so that a rule author can run
``check_example(Rule, code)`` from a REPL.
"""

from __future__ import annotations

import textwrap

from nnlint.config import Settings
from nnlint.diagnostic import Applicability, Diagnostic
from nnlint.engine import check_text
from nnlint.fixes import apply_edits
from nnlint.rule import Rule


def check_example(rule: type[Rule], code: str, filename: str = "train.py") -> list[Diagnostic]:
    """Diagnostics of ``rule`` alone on a dedented snippet."""
    return check_text(textwrap.dedent(code).lstrip("\n"), filename, Settings(), rules=[rule]).diagnostics


def apply_fixes(text: str, diagnostics: list[Diagnostic], unsafe: bool = True) -> str:
    allowed = {Applicability.SAFE, Applicability.UNSAFE} if unsafe else {Applicability.SAFE}
    edits = [edit for d in diagnostics if d.fix and d.fix.applicability in allowed for edit in d.fix.edits]
    return apply_edits(text, edits)


def dedent(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")
