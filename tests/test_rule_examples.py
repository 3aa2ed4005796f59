"""Every rule's own VALID / INVALID examples, collected as test cases."""

from __future__ import annotations

import libcst as cst
import pytest

from nnlint.registry import all_rules
from nnlint.rule import Invalid, Rule, Valid
from nnlint.testing import apply_fixes, check_example, dedent

VALID = [pytest.param(rule, example, id=f"{rule.code}-valid-{i}") for rule in all_rules() for i, example in enumerate(rule.valid)]
INVALID = [pytest.param(rule, example, id=f"{rule.code}-invalid-{i}") for rule in all_rules() for i, example in enumerate(rule.invalid)]
FIXES = [param for param in INVALID if param.values[1].expected_fix is not None]


@pytest.mark.parametrize(("rule", "example"), VALID)
def test_valid_example_is_silent(rule: type[Rule], example: Valid) -> None:
    assert check_example(rule, example.code, example.filename) == []


@pytest.mark.parametrize(("rule", "example"), INVALID)
def test_invalid_example_is_reported(rule: type[Rule], example: Invalid) -> None:
    found = check_example(rule, example.code, example.filename)
    assert found, f"{rule.code} stayed silent"
    assert {d.code for d in found} == {rule.code}
    if example.line is not None:
        assert example.line in {d.line + 1 for d in found}, [d.line + 1 for d in found]


@pytest.mark.parametrize(("rule", "example"), FIXES)
def test_fix_gives_expected_code_and_converges(rule: type[Rule], example: Invalid) -> None:
    source = dedent(example.code)
    fixed = apply_fixes(source, check_example(rule, source, example.filename))
    assert fixed == dedent(example.expected_fix or "")
    cst.parse_module(fixed)  # the fix parses
    remaining = check_example(rule, fixed, example.filename)
    assert apply_fixes(fixed, remaining) == fixed  # fixing twice changes nothing
    assert not [d for d in remaining if d.fix is not None]


def test_every_rule_has_examples_and_docs() -> None:
    for rule in all_rules():
        assert rule.doc().problems() == [], rule.code
        assert len(rule.valid) >= 3 and len(rule.invalid) >= 3, rule.code
