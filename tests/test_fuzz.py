"""Fuzzing the static half: whatever the program, a result, never a traceback; every fix sound.

nnlint runs on every commit of every user: one traceback or one damaged file and
it is uninstalled. These properties are checked on programs nobody wrote by hand
(hypothesmith, from Python's grammar and from LibCST's node types) and on real
training scripts broken in the ways editors break them (deleted lines, swapped
statements, truncation, odd Unicode, deep nesting, CRLF). The examples are few
and derandomized so that CI is bounded and repeatable; ``benchmarks/fuzz.py``
runs 10,000 of the same cases with fresh randomness. The strategies and the
properties live in ``fuzz_support.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import fuzz_support as fz
from nnlint.engine import check_file, enabled_rules
from nnlint.limits import FileLimits
from nnlint.registry import all_rules
from nnlint.rule import Rule


def bounded(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


# --- the generators really reach the rules ------------------------------------------------------

def test_the_generated_programs_pass_every_rule_prefilter() -> None:
    """Otherwise the text prefilter would skip the rules and the fuzzing would test nothing."""
    header = fz.prefilter_header()
    assert [rule.code for rule in all_rules() if not any(word in header for word in rule.requires_text)] == []


def test_all_rules_are_enabled_in_the_fuzz_settings() -> None:
    assert {rule.code for rule in enabled_rules(fz.ALL)} == {rule.code for rule in all_rules()}


def test_there_are_fixable_rules_to_fuzz() -> None:
    assert fz.fixable_examples(), "no rule offers a fix: the fix properties would test nothing"


# --- never a crash ------------------------------------------------------------------------------

@bounded(80)
@given(fz.generated_programs())
def test_generated_programs_are_checked_without_internal_errors(text: str) -> None:
    fz.assert_checks_cleanly(text)


@bounded(40)
@given(fz.spliced_programs())
def test_generated_code_inside_real_scripts_is_checked_without_internal_errors(text: str) -> None:
    fz.assert_checks_cleanly(text)


@bounded(200)
@given(fz.mutated_scripts())
def test_mutated_scripts_are_checked_without_internal_errors(text: str) -> None:
    fz.assert_checks_cleanly(text)


# --- every fix sound ----------------------------------------------------------------------------

FIXABLE = [pytest.param(rule, snippet, id=f"{rule.code}-{i}") for i, (rule, snippet, shows_fix) in enumerate(fz.fixable_examples()) if shows_fix]


@pytest.mark.parametrize(("rule", "snippet"), FIXABLE)
def test_fixes_of_rule_examples_are_sound(rule: type[Rule], snippet: str) -> None:
    """The rule alone (fixing twice must change nothing), then with every rule (fixes must converge)."""
    assert fz.assert_fixes_are_sound(snippet, [rule]) > 0, f"{rule.code}'s fixable example offered no fix"
    fz.assert_fixes_are_sound(snippet)


#: Python breaks lines only at \n, \r\n and \r; str.splitlines also at these. A fix placed with
#: str.splitlines landed lines away from its target (fixed in nnlint.fixes; found by this fuzzing).
ODD_LINE_BREAKS = "# \u2028 \u2029 \x85 \x0c \x0b \x1c \x1d \x1e\n"


@pytest.mark.parametrize(("rule", "snippet"), FIXABLE)
def test_fixes_land_in_place_after_characters_str_splitlines_breaks_at(rule: type[Rule], snippet: str) -> None:
    assert fz.assert_fixes_are_sound(ODD_LINE_BREAKS + snippet, [rule]) > 0


@pytest.mark.parametrize(("rule", "snippet"), FIXABLE)
def test_fixes_keep_crlf_files_sound(rule: type[Rule], snippet: str) -> None:
    assert fz.assert_fixes_are_sound(snippet.replace("\n", "\r\n"), [rule]) > 0


@bounded(80)
@given(fz.mutated_scripts(tuple(snippet for _, snippet, _ in fz.fixable_examples()), max_mutations=2))
def test_fixes_of_mutated_examples_are_sound(text: str) -> None:
    fz.assert_fixes_are_sound(text)


@bounded(30)
@given(fz.mutated_scripts(tuple(text for text in fz.script_seeds() if "# expect:" in text), max_mutations=2))
def test_fixes_of_mutated_fixture_scripts_are_sound(text: str) -> None:
    fz.assert_fixes_are_sound(text)


# --- bugs fuzzing found, each pinned by its smallest reproducer -----------------------------------------

def deeply_nested_loops(depth: int) -> str:
    return "import torch\n" + "".join("    " * level + "for _ in x:\n" for level in range(depth)) + "    " * depth + "loss.backward()\n"


def test_deeply_nested_loops_are_checked_in_time(tmp_path: Path) -> None:
    path = tmp_path / "loops.py"
    path.write_text(deeply_nested_loops(24), encoding="utf-8")
    result = check_file(str(path), fz.ALL, limits=FileLimits(max_seconds=5))
    assert result.errors == []



MIXED_NEWLINES_LOOP = ("import torch\r\nmodel = torch.nn.Sequential(torch.nn.Dropout(0.2))\nmodel.eval()\n"
                       "for x in loader:\n    y = model(x)\n    print(y)\n")


def test_nn409_fix_in_a_file_with_mixed_newlines_parses() -> None:
    from nnlint.rules.training.eval_without_no_grad import EvalWithoutNoGrad

    assert fz.assert_fixes_are_sound(MIXED_NEWLINES_LOOP, [EvalWithoutNoGrad]) > 0


DOUBLE_SIGMOID = ("import torch.nn as nn\n"
                  "model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1), nn.Sigmoid(), nn.Sigmoid())\n"
                  "criterion = nn.BCEWithLogitsLoss()\nloss = criterion(model(x), y)\n")


def test_nn304_fix_removes_every_trailing_sigmoid() -> None:
    from nnlint.rules.implementation.sigmoid_before_bce_with_logits import SigmoidBeforeBCEWithLogits

    assert fz.assert_fixes_are_sound(DOUBLE_SIGMOID, [SigmoidBeforeBCEWithLogits]) > 0
