from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from nnlint.catalog import known_code_or_prefix
from nnlint.diagnostic import Applicability, Diagnostic, Edit, Fix, Range, Severity
from nnlint.rule import Invalid, Rule, Valid
from nnlint.suppression import Comment, Directive, Suppressions, hides_code

_STATIC_PREFIX = "NN"  # a noqa code of another linter (E501, BLE001) is not ours to judge


class UnusedSuppression(Rule):
    """A suppression comment that hides nothing, or names a code nnlint does not have.

    ## What it does
    Reports `# noqa: NN302` and `# nnlint: ignore[NN302]` on a line where NN302 did not
    fire, and codes no rule has (`# nnlint: ignore[NN999]`, a typo, a code from a
    newer or older nnlint). Only the nnlint codes of a comment are judged: in
    `# noqa: E501, NN302` the `E501` belongs to another linter and stays, and a bare
    `# noqa` or a noqa naming only other linters' codes is left alone. A code is judged
    unused only when its rule ran on the file (a rule that is not selected, or that is
    switched off for the file, might fire elsewhere), so bare `# nnlint: ignore` is
    never judged either.

    ## Why is this bad?
    A suppression that hides nothing is a trap: when the bug it was meant for comes
    back on that line, or a new one does, it is hidden without anyone deciding so. A
    misspelt code is worse: the author believes a finding is silenced on purpose
    while the comment silences nothing, and nothing ever says so (ruff's RUF100).

    ## Example
    ```python
    scores = model(x)  # noqa: E501, NN302
    loss = criterion(scores, y)  # nnlint: ignore[NN999]
    ```

    ## Use instead
    ```python
    scores = model(x)  # noqa: E501
    loss = criterion(scores, y)
    ```

    ## Fix safety
    Safe: only the nnlint part of the comment is removed (the whole comment when
    nothing else is left in it), and a suppression that hides nothing changes no finding.
    """

    code = "NN001"
    name = "unused-suppression"
    checklist = ()
    message = "{what}"
    severity = Severity.WARNING
    fixable = True
    requires_text = ("noqa", "NOQA", "nnlint")

    valid = [
        Valid("x = 1  # noqa: E501\n", "another linter's code is not ours to judge"),
        Valid("x = 1  # noqa\n", "a bare noqa hides every linter's findings"),
        Valid("x = 1  # nnlint: ignore\n", "a bare ignore is judged only where every rule ran"),
        Valid("x = 1  # noqa: NN302\n", "NN302 did not run here (only this rule did), so nnlint cannot know it is unused"),
        Valid("x = '# nnlint: ignore[NN999]'\n", "inside a string, not a comment"),
    ]
    invalid = [
        Invalid("x = 1  # nnlint: ignore[NN999]\n", line=1, expected_fix="x = 1\n"),
        Invalid("x = 1  # noqa: E501, NN999\n", line=1, expected_fix="x = 1  # noqa: E501\n"),
        Invalid("x = 1  # noqa: NN9 reason\n", line=1, expected_fix="x = 1  # reason\n"),
        Invalid("import torch\n# nnlint: ignore[NN9999]\nx = 1\n", line=2, expected_fix="import torch\nx = 1\n"),
    ]

    @classmethod
    def findings(cls, suppressions: Suppressions, found: Sequence[Diagnostic], ran: Collection[str], lines: Sequence[str],
                 path: str, severity: Severity) -> list[Diagnostic]:
        """One finding per comment whose nnlint codes hide none of ``found`` (the findings before
        suppression) or are unknown; ``ran`` are the codes of the rules that ran on the file."""
        fired: dict[int, set[str]] = {}
        for diagnostic in found:
            fired.setdefault(diagnostic.line, set()).add(diagnostic.code)
        results = []
        for comment in suppressions.comments:
            unused, unknown = _judge(comment, fired.get(comment.line, set()), ran)
            if not unused and not unknown:
                continue
            what = "; ".join(part for part in (f"unused: {', '.join(unused)}" if unused else "",
                                               f"unknown: {', '.join(unknown)}" if unknown else "") if part)
            where = Range.of(comment.line, comment.column, comment.line, comment.column + len(comment.text))
            results.append(Diagnostic(
                code=cls.code, name=cls.name, message=f"this suppression hides nothing ({what})", path=path, range=where,
                severity=severity, checklist=(), help="remove the codes that hide nothing",
                fix=Fix(f"remove {', '.join(unused + unknown)}", (_removal(comment, set(unused + unknown), lines),), Applicability.SAFE),
            ))
        return results


def _judge(comment: Comment, fired: set[str], ran: Collection[str]) -> tuple[list[str], list[str]]:
    """(unused codes, unknown codes) of the comment's directives, each in the order written."""
    unused, unknown = [], []
    for directive in comment.directives:
        for code in directive.codes or ():
            if directive.kind == "noqa" and not code.startswith(_STATIC_PREFIX):
                continue
            if not known_code_or_prefix(code):
                unknown.append(code)
            elif code.startswith(UnusedSuppression.code) or not code.startswith(_STATIC_PREFIX):
                continue  # NN001 itself, and the tracer's and doctor's codes: not this run's to judge
            elif _all_ran(code, ran) and not any(hides_code((code,), fired_code) for fired_code in fired):
                unused.append(code)
    return unused, unknown


def _all_ran(code: str, ran: Collection[str]) -> bool:
    """Whether every static rule ``code`` (a code or a prefix) covers ran on the file."""
    from nnlint.registry import all_rules

    covered = [rule.code for rule in all_rules() if rule.code.startswith(code)]
    return bool(covered) and all(rule_code in ran for rule_code in covered)


def _removal(comment: Comment, dropped: set[str], lines: Sequence[str]) -> Edit:
    """The edit that takes ``dropped`` out of the comment: its other codes and words stay."""
    text = comment.text
    for directive in reversed(comment.directives):
        text = text[: directive.start] + _kept(directive, dropped, text[directive.start: directive.end]) + text[directive.end:]
    text = text.strip()
    if re.fullmatch(r"[#\s]*", text):
        text = ""
    elif not text.startswith("#"):
        text = "# " + text
    line = lines[comment.line] if comment.line < len(lines) else ""
    before = line[: comment.column]
    if not text and not before.strip():  # a comment alone on its line: the line goes
        return Edit(Range.of(comment.line, 0, comment.line + 1, 0), "")
    if not text:
        return Edit(Range.of(comment.line, len(before.rstrip()), comment.line, comment.column + len(comment.text)), "")
    return Edit(Range.of(comment.line, comment.column, comment.line, comment.column + len(comment.text)), text)


def _kept(directive: Directive, dropped: set[str], written: str) -> str:
    """The directive with the dropped codes taken out ('' when none is left)."""
    kept = [code for code in directive.codes or () if code not in dropped]
    if directive.codes is None or len(kept) == len(directive.codes):
        return written
    if not kept:
        return ""
    head = written[: written.find(":", written.lower().find("noqa")) + 1] if directive.kind == "noqa" else written[: written.find("[") + 1]
    return f"{head} {', '.join(kept)}" if directive.kind == "noqa" else f"{head}{', '.join(kept)}]"
