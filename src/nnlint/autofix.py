"""``--fix`` / ``--unsafe-fixes`` / ``--diff``: apply the fixes carried by diagnostics to files.

A file is rewritten only when its fixed text still parses (otherwise its fixes
are dropped with a note); the write is atomic and keeps the encoding (and BOM)
the file was read with, and the text's own newlines. ``--diff`` prints a unified
diff and writes nothing.

A file saved while it was checked is not fixed (``file_write.ChangedOnDisk``): the
user's edit wins, and the run says so in one line and exits 2, like any other file
whose fixes could not be written — a pre-commit hook or CI job must not pass on a file
that was not fixed. (ruff has no such check and overwrites the newer text.)
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from nnlint.diagnostic import Applicability, Diagnostic
from nnlint.config import Settings
from nnlint.engine import FileResult, check_files
from nnlint.file_write import ChangedOnDisk, KeptInBackup, write_fixed
from nnlint.fixes import apply_edits, python_lines
from nnlint.parsing import parse_quietly


@dataclass
class FixOutcome:
    changed: list[str] = field(default_factory=list)  # paths whose text changed (written, or shown as a diff)
    fixed: int = 0  # diagnostics whose fix was applied
    errors: list[str] = field(default_factory=list)


def applicable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    allowed = (Applicability.SAFE, Applicability.UNSAFE) if unsafe else (Applicability.SAFE,)
    return diagnostic.fix is not None and diagnostic.fix.applicability in allowed


def fixed_text(text: str, diagnostics: Sequence[Diagnostic], unsafe: bool) -> str:
    edits = [edit for d in diagnostics if applicable(d, unsafe) for edit in d.fix.edits]  # type: ignore[union-attr]
    return apply_edits(text, edits)


def apply_fixes(results: Sequence[FileResult], *, unsafe: bool, diff: TextIO | None) -> FixOutcome:
    outcome = FixOutcome()
    for result in results:
        chosen = [d for d in result.diagnostics if applicable(d, unsafe)]
        if not chosen or result.text is None:
            continue
        new_text = fixed_text(result.text, chosen, unsafe)
        if new_text == result.text:
            continue
        try:
            parse_quietly(new_text)
        except (SyntaxError, ValueError, RecursionError):
            outcome.errors.append(f"{result.path}: the fixes would not parse; nothing was changed (please report this)")
            continue
        if diff is not None:
            diff.writelines(difflib.unified_diff(python_lines(result.text, True), python_lines(new_text, True), f"a/{result.path.lstrip('/')}", f"b/{result.path.lstrip('/')}"))
        else:
            try:
                write_fixed(Path(result.path), result.text, new_text, result.encoding)
            except ChangedOnDisk:
                outcome.errors.append(f"{result.path}: changed on disk while nnlint was checking it; not fixed, the new text is kept (run nnlint again)")
                continue
            except KeptInBackup as error:
                outcome.errors.append(f"{result.path}: the fixes were written half-way and the original could not be put back; it is kept in {error}")
                continue
            except OSError as error:
                outcome.errors.append(f"{result.path}: cannot write the fixes ({error.strerror or error}); the file is unchanged")
                continue
        outcome.changed.append(result.path)
        outcome.fixed += len(chosen)
    return outcome


MAX_ROUNDS = 5


def fix_until_stable(results: Sequence[FileResult], settings: Settings, *, jobs: int | None, unsafe: bool) -> tuple[list[FileResult], FixOutcome]:
    """Fix, re-check the changed files, and fix again what the first fixes revealed (a few rounds at most)."""
    current = list(results)
    total = FixOutcome()
    for _ in range(MAX_ROUNDS):
        outcome = apply_fixes(current, unsafe=unsafe, diff=None)
        total.fixed += outcome.fixed
        total.changed.extend(outcome.changed)
        total.errors.extend(outcome.errors)
        if not outcome.changed:
            break
        rechecked = {result.path: result for result in check_files(outcome.changed, settings, jobs)}
        current = [rechecked.get(result.path, result) for result in current]
    return current, total
