"""``RuleDoc``: what one finding code means, whichever half of nnlint reports it, and how its docs must look.

The bottom of the rule layer: ``rule.py`` (a static rule describes itself as one),
``trace/codes.py`` and ``doctor/codes.py`` (their codes are values of it) and
``catalog.py`` (which gathers them all) import it; it imports none of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nnlint.diagnostic import Severity

#: Headings every rule's docs must have, in this order (ruff's layout).
REQUIRED_HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead")

CODE_PATTERN = re.compile(r"^N[NTD]\d{3}$")

#: Codes about nnlint itself (its own comments, a file it cannot parse): no checklist item to name.
OWN_CODES = "NN0"


@dataclass(frozen=True)
class RuleDoc:
    code: str  # NNxxx static check, NTxxx model trace, NDxxx training doctor
    name: str  # kebab-case, names the pattern (not the fix)
    checklist: tuple[int, ...]  # items of the "37 reasons" checklist it covers
    summary: str  # one line
    docs: str  # markdown with REQUIRED_HEADINGS
    source: str  # "check" | "trace" | "doctor"
    severity: Severity = Severity.WARNING
    fixable: bool = False
    default_enabled: bool = True

    def problems(self) -> list[str]:
        """Why this entry is malformed (empty when it is fine); tests and ``__init_subclass__`` use it."""
        found = []
        if not CODE_PATTERN.match(self.code):
            found.append(f"code {self.code!r} is not N[NTD] followed by three digits")
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", self.name):
            found.append(f"name {self.name!r} is not kebab-case")
        if (not self.checklist and not self.code.startswith(OWN_CODES)) or any(not 1 <= item <= 37 for item in self.checklist):
            found.append(f"checklist {self.checklist!r} must name items 1..37")
        if not self.summary.strip():
            found.append("summary is empty")
        positions = [self.docs.find(heading) for heading in REQUIRED_HEADINGS]
        if -1 in positions or positions != sorted(positions):
            found.append(f"docs need the headings {', '.join(REQUIRED_HEADINGS)} in that order")
        return found
