"""The doctor report's charts and which findings each one shows the evidence of (no plotting library here).

One table, read by the terminal report (a finding names its chart), the HTML
report (each chart lists and marks its findings) and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from nnlint.diagnostic import Diagnostic

#: chart id -> (title, finding codes whose evidence it shows)
CHARTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "loss": ("loss per optimizer step", ("ND111", "ND121", "ND122", "ND123", "ND124", "ND131", "ND171")),
    "gradient-flow": ("gradient flow", ("ND141", "ND142", "ND143", "ND144", "ND145")),
    "updates": ("update/weight ratio", ("ND161",)),
    "activations": ("activations", ("ND151", "ND152", "ND153")),
    "labels": ("labels per batch", ("ND104", "ND105")),
    "inputs": ("input statistics per channel", ("ND101", "ND102", "ND103", "ND106")),
}

_CHART_OF = {code: chart for chart, (_, codes) in CHARTS.items() for code in codes}


def chart_of(code: str) -> str | None:
    """The id of the chart that shows the evidence of ``code``; None for findings no chart shows."""
    return _CHART_OF.get(code)


def with_chart_notes(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The findings, each with a note naming the chart of ``nnlint doctor --report`` that shows its evidence."""
    noted = []
    for diagnostic in diagnostics:
        chart = chart_of(diagnostic.code)
        if chart is not None:
            diagnostic = replace(diagnostic, notes=(*diagnostic.notes, f'evidence: the "{CHARTS[chart][0]}" chart of --report'))
        noted.append(diagnostic)
    return noted
