"""Helpers of the tracer tests: the fixture models, and the expectations written beside their lines."""

from __future__ import annotations

import inspect
import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "fixtures" / "models"
EXPECT = re.compile(r"#\s*expect(?:\[(?P<case>\w+)\])?:\s*(?P<codes>NT\d{3}(?:\s*,\s*NT\d{3})*)")


@dataclass(frozen=True)
class Case:
    file: Path
    name: str
    inputs: str | list[str]

    @property
    def target(self) -> str:
        return f"{self.file}:{self.name}"

    def __str__(self) -> str:
        return f"{self.file.stem}:{self.name}"


def cases() -> list[Case]:
    """Every (file, class) pair listed in a fixture file's CASES."""
    from nnlint.trace.loader import load_target

    found = []
    for file in sorted(MODELS.glob("*.py")):
        if "CASES =" not in file.read_text():
            continue
        for name, inputs in load_target(f"{file}:CASES").items():
            found.append(Case(file, name, inputs))
    return found


def expected(case: Case) -> list[tuple[str, int]]:
    """(code, 0-based line) pairs: ``# expect: CODE`` inside the class, ``# expect[Name]: CODE`` anywhere."""
    from nnlint.trace.loader import load_target

    lines = case.file.read_text().splitlines()
    source, start = inspect.getsourcelines(load_target(case.target))
    inside = range(start - 1, start - 1 + len(source))
    found = []
    for number, line in enumerate(lines):
        for match in EXPECT.finditer(line):
            owner = match["case"]
            if (owner is None and number in inside) or owner == case.name:
                found += [(code.strip(), number) for code in match["codes"].split(",")]
    return sorted(found)


def found(report: object) -> list[tuple[str, int]]:
    return sorted((d.code, d.line) for d in report.diagnostics)  # type: ignore[attr-defined]


def same_file(path: str, file: Path) -> bool:
    return os.path.abspath(path) == str(file)


def line_of(file: Path, text: str) -> int:
    """1-based number of the first line of ``file`` that contains ``text``."""
    return next(n for n, line in enumerate(file.read_text().splitlines(), 1) if text in line)
