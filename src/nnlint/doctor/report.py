"""The doctor's result: findings, measurements and how the run ended (no torch here).

The same object comes back from ``nnlint.doctor(...)`` and, as JSON, from the
child process that ran a script; ``to_json``/``from_json`` are that wire format.
It renders itself with rich (``__rich__``) and as plain text (``__str__``), so
``print(report)`` in a notebook or a terminal shows the summary.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from nnlint.diagnostic import Diagnostic, Position, Range, Severity
from nnlint.doctor.findings import curve

from nnlint.exit_codes import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS  # noqa: F401 - re-exported for the doctor


@dataclass
class DoctorReport:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    steps: int = 0  # optimizer steps observed
    stopped: str = ""  # why the run ended, in words
    error: str | None = None  # the script's exception, one line with its location
    notes: list[str] = field(default_factory=list)  # what the doctor did or skipped (paths the script tried to change, experiments)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 clean, 1 findings, 2 when the run could not complete (the script raised or never stepped)."""
        if self.error is not None or self.steps == 0:
            return EXIT_ERROR
        return EXIT_FINDINGS if self.diagnostics else EXIT_CLEAN

    def to_json(self) -> str:
        data = asdict(self)
        data["diagnostics"] = [_diagnostic_to_data(diagnostic) for diagnostic in self.diagnostics]
        return json.dumps(data, allow_nan=True)

    @classmethod
    def from_json(cls, text: str) -> DoctorReport:
        data = json.loads(text)
        data["diagnostics"] = [_diagnostic_from_data(item) for item in data["diagnostics"]]
        return cls(**data)

    def lsp_json(self, sources: dict[str, str]) -> dict[str, Any]:
        """``--format json``: the findings in the shared LSP shape, and under ``doctor`` the run and every measurement.

        ``doctor.metrics`` is the same data the HTML report draws (loss per step,
        per-layer gradient norms, update ratios and activation statistics, labels
        and input statistics per batch), so a script can chart it too.
        """
        from nnlint.reporters.json_lsp import report_to_json
        from nnlint.reporters.report import Report

        data = report_to_json(Report.of(self.diagnostics, sources, [self.error] if self.error else []))
        data["doctor"] = {"steps": self.steps, "stopped": self.stopped, "seconds": self.seconds, "notes": self.notes, "metrics": _strict_json(self.metrics)}
        return data

    def summary(self) -> Text:
        """The run at a glance: steps, the loss curve, the overfit test and the notes (the error is separate)."""
        rows = [("steps", f"{self.steps} optimizer steps in {self.seconds:.1f} s ({self.stopped})")]
        losses = [value for value in self.metrics.get("loss", []) if value is not None]
        if losses:
            rows.append(("loss", curve(losses)))
        overfit = self.metrics.get("overfit")
        if overfit:
            verdict = "passed" if overfit["passed"] else "not passed"
            rows.append(("overfit", f"{verdict} on {overfit['samples']} samples: {curve(overfit['curve'])}"))
        rows.extend(("note", note) for note in self.notes)
        text = Text()
        for label, value in rows:
            text.append(f"{label:<9}", style="bold")
            text.append(f"{value}\n")
        return text

    def __rich__(self) -> RenderableType:
        findings = Table(show_header=True, header_style="bold", box=None, padding=(0, 1))
        for column in ("code", "where", "finding"):
            findings.add_column(column, overflow="fold")
        for diagnostic in sorted(self.diagnostics, key=Diagnostic.sort_key):
            style = "red" if diagnostic.severity == Severity.ERROR else "yellow"
            findings.add_row(Text(diagnostic.code, style=style), f"{diagnostic.path}:{diagnostic.line + 1}", diagnostic.message)
        verdict = Text(f"{len(self.diagnostics)} finding(s)", style="bold") if self.diagnostics else Text("no findings", style="bold green")
        error = [Text.assemble(("error", "bold red"), f": {self.error}")] if self.error else []
        return Group(Text("nnlint doctor", style="bold"), self.summary(), *error, verdict, *([findings] if self.diagnostics else []))

    def __str__(self) -> str:
        buffer = io.StringIO()
        Console(file=buffer, width=120, color_system=None, force_terminal=False).print(self)
        return buffer.getvalue().rstrip() + "\n"


def _strict_json(value: Any) -> Any:
    """``value`` with NaN and infinities as null: strict JSON has no such numbers (a loss that became NaN is a gap)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(key): _strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(item) for item in value]
    return value


def _diagnostic_to_data(diagnostic: Diagnostic) -> dict[str, Any]:
    data = asdict(diagnostic)
    data["severity"] = int(diagnostic.severity)
    return data


def _diagnostic_from_data(data: dict[str, Any]) -> Diagnostic:
    """The inverse of ``_diagnostic_to_data``; doctor findings never carry a fix."""
    start, end = data["range"]["start"], data["range"]["end"]
    return Diagnostic(
        code=data["code"],
        name=data["name"],
        message=data["message"],
        path=data["path"],
        range=Range(Position(**start), Position(**end)),
        severity=Severity(data["severity"]),
        checklist=tuple(data["checklist"]),
        source=data["source"],
        help=data["help"],
        notes=tuple(data["notes"]),
    )
