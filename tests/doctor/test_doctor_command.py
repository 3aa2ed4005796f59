"""``nnlint doctor SCRIPT``: the child process, exit codes, output formats, and the script's own behaviour."""

from __future__ import annotations

import argparse
import importlib.util
import json

import pytest
from doctor_support import FIXTURES

from nnlint.doctor import command

pytest.importorskip("torch")


def doctor(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Parse ``argv`` as ``nnlint doctor`` would and run it; (exit code, stdout, stderr)."""
    parser = argparse.ArgumentParser(prog="nnlint")
    command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["doctor", *argv])
    code = args.handler(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_healthy_script_exits_0_and_shows_its_output(capsys) -> None:
    code, out, err = doctor(capsys, str(FIXTURES / "train_eval_mode_ok.py"))
    assert code == 0
    assert "30 optimizer steps" in out and "ND1" not in out
    assert "accuracy before training" in err  # the script's own output, above the report


def test_findings_exit_1_and_quiet_hides_the_scripts_output(capsys) -> None:
    code, out, err = doctor(capsys, "--quiet", str(FIXTURES / "forgot_train_mode_bug.py"))
    assert code == 1
    assert "ND182" in out and "forgot_train_mode_bug.py:" in out
    assert "accuracy before training" not in err


def test_json_output_is_only_json(capsys) -> None:
    code, out, err = doctor(capsys, "--quiet", "--format", "json", "--steps", "8", str(FIXTURES / "sorted_labels_bug.py"))
    assert code == 1
    codes = json.dumps(json.loads(out))
    assert "ND104" in codes
    assert "8 optimizer steps" in err


def test_a_script_that_raises_reports_the_error_and_what_came_before(capsys) -> None:
    code, out, _ = doctor(capsys, "--quiet", str(FIXTURES / "raises_at_step_3.py"))
    assert code == 2
    assert "RuntimeError: corrupt batch 3" in out and "raises_at_step_3.py:15" in out
    assert "3 optimizer steps" in out and "ND161" in out


def test_a_script_without_an_optimizer_gets_one_clear_line(capsys) -> None:
    code, out, err = doctor(capsys, "--quiet", str(FIXTURES / "no_optimizer.py"))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "optimizer.step()" in err and "Traceback" not in err


def test_checkpoints_are_not_written_and_script_arguments_arrive(capsys, tmp_path) -> None:
    checkpoint = tmp_path / "model.pt"
    code, out, _ = doctor(capsys, "--quiet", str(FIXTURES / "writes_checkpoint.py"), "--", str(checkpoint))
    assert code == 0
    assert not checkpoint.exists() and list(tmp_path.iterdir()) == []
    assert "model.pt (written at" in out and "writes_checkpoint.py:22" in out


def test_the_timeout_stops_a_stalled_script_and_keeps_its_steps(capsys) -> None:
    """The script stalls after three steps; however slow the machine, the report has the steps the script says it made."""
    code, out, err = doctor(capsys, "--timeout", "6", str(FIXTURES / "slow_steps.py"))
    assert "stopped at the timeout (6 s)" in out + err
    made = err.count("reached step")  # printed after each step, so the timer may fire between a step and its line
    steps = int(out.split(" optimizer steps")[0].split()[-1]) if code != 2 else 0
    assert steps == made or (made < 3 and steps == made + 1)
    assert code == (0 if steps else 2)  # no step at all: no report, one line that says why
    if not steps:
        assert "without an optimizer.step()" in err


def test_a_missing_script_is_a_usage_error(capsys) -> None:
    code, out, err = doctor(capsys, "no/such/train.py")
    assert code == 2 and "no such file" in err and out == ""


def test_without_torch_the_message_names_the_extra(capsys, monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *rest: None if name == "torch" else real(name, *rest))
    code, _, err = doctor(capsys, str(FIXTURES / "train_eval_mode_ok.py"))
    assert code == 2 and err.strip() == command.NEEDS_TORCH and "pip install 'nnlint[trace]'" in err


@pytest.mark.parametrize("bad", [["--steps", "0"], ["--timeout", "-1"]])
def test_nonsense_limits_are_rejected(capsys, bad) -> None:
    with pytest.raises(SystemExit) as exit:
        doctor(capsys, *bad, "train.py")
    assert exit.value.code == 2


def test_a_child_that_dies_without_a_report_is_one_line(capsys, tmp_path) -> None:
    script = tmp_path / "dies.py"
    script.write_text("import os\nprint('going down')\nos._exit(9)\n")
    code, out, err = doctor(capsys, "--quiet", str(script))
    assert code == 2 and out == ""
    assert err.strip().endswith("ended with code 9 and no report: going down") and err.count("\n") == 1
