"""What every reporter renders: the diagnostics in order, the sources, the files that failed.

Built once by ``write_report`` so that no reporter sorts, groups or counts on its
own, and each format is a pure function of the same ``Report``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from types import MappingProxyType

from nnlint.diagnostic import Applicability, Diagnostic
from nnlint.reporters.positions import SourceLines

#: What the text formats print, and all they print, when nothing was found and nothing failed.
ALL_PASSED = "All checks passed!"


@dataclass(frozen=True)
class Report:
    diagnostics: tuple[Diagnostic, ...]  # sorted by Diagnostic.sort_key()
    sources: Mapping[str, str]  # path -> file text, for frames and UTF-16 columns
    errors: tuple[str, ...]  # one line per file that could not be checked
    quiet: bool = False  # the findings and errors only: no summary, no "All checks passed!" (ruff's -q)

    @classmethod
    def of(
        cls,
        diagnostics: Sequence[Diagnostic],
        sources: Mapping[str, str] | None = None,
        errors: Sequence[str] = (),
        quiet: bool = False,
    ) -> Report:
        return cls(
            diagnostics=tuple(sorted(diagnostics, key=Diagnostic.sort_key)),
            sources=MappingProxyType(dict(sources or {})),
            errors=tuple(errors),
            quiet=quiet,
        )

    @property
    def fixable(self) -> int:
        """How many diagnostics carry a fix, whatever its applicability (the JSON summary's count)."""
        return sum(1 for diagnostic in self.diagnostics if diagnostic.fix is not None)

    def fixable_phrase(self, option: str = "") -> str:
        """``1 fixable; 2 more with --unsafe-fixes``: only safe fixes count as fixable, because they are
        all ``--fix`` applies (the demo promised three fixes that ``--fix`` then did not make);
        display-only fixes are never applied and count nowhere. ``option`` names the flag (``" with --fix"``)."""
        applicable = [d.fix.applicability for d in self.diagnostics if d.fix is not None]
        safe, unsafe = applicable.count(Applicability.SAFE), applicable.count(Applicability.UNSAFE)
        return f"{safe} fixable{option}" + (f"; {unsafe} more with --unsafe-fixes" if unsafe else "")

    def by_file(self) -> list[tuple[str, tuple[Diagnostic, ...]]]:
        """The diagnostics grouped by path, paths in sorted order."""
        return [(path, tuple(group)) for path, group in groupby(self.diagnostics, key=lambda d: d.path)]

    def lines(self, path: str) -> SourceLines | None:
        """The lines of ``path`` when its text was given."""
        text = self.sources.get(path)
        return None if text is None else SourceLines(text)

    def counts_by_code(self) -> list[tuple[str, str, int]]:
        """``(code, name, count)``, most frequent first, then by code."""
        counts = Counter((diagnostic.code, diagnostic.name) for diagnostic in self.diagnostics)
        return sorted(((code, name, count) for (code, name), count in counts.items()), key=lambda row: (-row[2], row[0], row[1]))

    def count_table(self) -> list[str]:
        """``2  NN301  nll-loss-without-log-softmax``: the counts, aligned (the full report's tail, ``--statistics``)."""
        counts = self.counts_by_code()
        count_width = max((len(str(count)) for _, _, count in counts), default=1)
        code_width = max((len(code) for code, _, _ in counts), default=0)
        return [f"{count:>{count_width}}  {code:<{code_width}}  {name}" for code, name, count in counts]


def found_line(problems: int, fixable: str) -> str:
    """``Found 3 problems (1 fixable).``: the summary both text formats end with."""
    return f"Found {problems} problem{'s' if problems != 1 else ''} ({fixable})."
