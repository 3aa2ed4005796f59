"""Fixture scripts: whole training scripts whose expected findings sit beside the offending lines.

Every ``fixtures/check/**/*.py`` is checked by the real engine with all rules
enabled. A trailing comment ``# expect: NN301`` (several codes comma-separated)
on a line says a diagnostic with that code starts on that line; the test fails
on any difference, missing or extra. Files named ``*_ok.py`` must produce
nothing. Subdirectories are small projects checked file by file, so a finding
that needs another file of the project (``from model import Net``) is tested too.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter
from pathlib import Path

import pytest

from nnlint.config import Settings
from nnlint.engine import check_file
from nnlint.registry import all_rules

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "check"
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>[A-Z]{2}\d{3}(?:\s*,\s*[A-Z]{2}\d{3})*)\s*$")
ALL = Settings(select=("ALL",))

FILES = sorted(FIXTURES.rglob("*.py"))


def expectations(text: str) -> Counter[tuple[int, str]]:
    """(1-based line, code) -> how many diagnostics of that code start on that line."""
    expected: Counter[tuple[int, str]] = Counter()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT and (match := EXPECT.search(token.string)):
            for code in match.group("codes").split(","):
                expected[(token.start[0], code.strip())] += 1
    return expected


def _id(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def test_there_are_fixtures() -> None:
    assert FILES, f"no fixture scripts under {FIXTURES}"
    assert any(path.name.endswith("_ok.py") for path in FILES)


@pytest.mark.parametrize("path", FILES, ids=[_id(path) for path in FILES])
def test_fixture_gives_exactly_the_expected_diagnostics(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected = expectations(text)
    if path.name.endswith("_ok.py"):
        assert not expected, "an *_ok.py fixture must not expect findings"
    result = check_file(str(path), ALL)
    assert result.errors == [], "the fixture could not be checked"
    found = Counter((d.line + 1, d.code) for d in result.diagnostics)
    missing = sorted((expected - found).elements())
    extra = sorted((found - expected).elements())
    messages = {(d.line + 1, d.code): d.message for d in result.diagnostics}
    assert (missing, extra) == ([], []), (
        f"{_id(path)}:\n"
        + "".join(f"  missing line {line}: {code}\n" for line, code in missing)
        + "".join(f"  extra   line {line}: {code} {messages[(line, code)]}\n" for line, code in extra)
    )


def test_every_static_rule_has_a_fixture_expecting_it() -> None:
    expected_codes = {code for path in FILES for _, code in expectations(path.read_text(encoding="utf-8"))}
    missing = sorted(rule.code for rule in all_rules() if rule.code not in expected_codes)
    assert missing == [], "rules with no fixture script under fixtures/check/ that expects them"


def test_expectation_comments_are_read_as_written() -> None:
    text = 'loss = f(x)  # expect: NN301, NN402\ns = "# expect: NN999"\ny = 1  # expect: NN101\n'
    assert expectations(text) == Counter({(1, "NN301"): 1, (1, "NN402"): 1, (3, "NN101"): 1})


def test_the_cross_file_fixture_needs_the_other_file(tmp_path: Path) -> None:
    """project/train.py is reported only because model.py says what Net.forward returns."""
    lone = tmp_path / "train.py"
    lone.write_text((FIXTURES / "project" / "train.py").read_text(encoding="utf-8"), encoding="utf-8")
    assert check_file(str(lone), ALL).diagnostics == []
