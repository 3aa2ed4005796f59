"""``nnlint doctor --nproc-per-node N`` (issue 13): the script under torch.distributed.run, one report for all ranks.

The comparisons and the merge are tested on hand-written rank data (no torch,
milliseconds); the end-to-end tests run the real launcher with 2 CPU ranks
(gloo) on tiny scripts in fixtures/doctor/distributed/, each a few seconds of
torch start-up per rank, so they are few. Nothing here measures time.
"""

from __future__ import annotations

import queue
import secrets
import shutil
import signal
import subprocess
import sys
import threading

import pytest
from doctor_support import FIXTURES, survivors
from test_doctor_command import doctor

from nnlint.diagnostic import Position, Range
from nnlint.doctor.checks.distributed import check_ranks
from nnlint.doctor.findings import Location, finding
from nnlint.doctor.ranks import gather, merge, rank_result
from nnlint.doctor.report import DoctorReport

DISTRIBUTED = FIXTURES / "distributed"
PARAMS = [[(1.0, 2.0), (0.5, 0.25)], [(1.1, 2.1), (0.4, 0.2)]]


def rank(number: int, batches: list[str], params: list[list[tuple[float, float]]] = PARAMS, sharded: bool = False) -> dict:
    return {"rank": number, "world": 2, "batches": batches, "loader_at": ["train.py", 9], "params": params, "step_at": ["train.py", 12],
            "sharded": sharded}


def codes(ranks: list[dict]) -> list[str]:
    return [diagnostic.code for diagnostic in check_ranks(ranks)]


def test_ranks_that_received_the_same_batches_train_on_the_same_samples() -> None:
    assert codes([rank(0, ["a", "b", "c"]), rank(1, ["a", "b", "c"])]) == ["ND191"]
    assert codes([rank(0, ["a", "b", "c"]), rank(1, ["a", "b", "d"])]) == []  # one differing batch: sharded
    assert codes([rank(0, ["a"]), rank(1, ["a"])]) == []  # one batch is too few to judge
    assert codes([rank(0, ["a", "b"])]) == []  # one rank: nothing to compare


def test_ranks_whose_parameters_differ_after_a_step_train_different_models() -> None:
    diverged = [PARAMS[0], [(1.1, 2.1), (0.4, 0.3)]]
    assert codes([rank(0, ["a"]), rank(1, ["b"], diverged)]) == ["ND192"]
    assert "after step 2" in check_ranks([rank(0, ["a"]), rank(1, ["b"], diverged)])[0].message
    assert codes([rank(0, ["a"]), rank(1, ["b"], [PARAMS[0], [(1.1 + 1e-9, 2.1), (0.4, 0.2)]])]) == []  # rounding, not divergence
    assert codes([rank(0, ["a"], sharded=True), rank(1, ["b"], diverged, sharded=True)]) == []  # FSDP shards differ by design


def test_the_merged_report_shows_a_finding_once_with_the_other_ranks_numbers(tmp_path) -> None:
    script = tmp_path / "train.py"
    script.write_text("import torch\nloss.backward()\n")
    where = Location(str(script), 1)
    reports = {number: DoctorReport(diagnostics=[finding("ND161", f"ratio {ratio}", where, "lower the lr")], steps=steps, stopped=stopped,
                                    notes=["shared note", f"note of {number}"])
               for number, ratio, steps, stopped in [(0, "3.2", 4, "stopped after 4 steps"), (1, "3.5", 3, "the script raised")]}
    merged = merge(reports)
    assert [d.code for d in merged.diagnostics] == ["ND161"]
    assert merged.diagnostics[0].notes == ("rank 0: ratio 3.2", "rank 1: ratio 3.5")
    assert merged.diagnostics[0].range == Range(Position(1, 0), Position(1, 15))
    assert merged.steps == 3 and merged.stopped == "rank 0: stopped after 4 steps; rank 1: the script raised"
    assert merged.notes == ["shared note", "rank 0: note of 0", "rank 1: note of 1"]


def test_a_rank_that_wrote_no_report_is_named_and_the_run_is_incomplete(tmp_path) -> None:
    result = tmp_path / "report.json"
    (tmp_path / rank_result("report.json", "0")).write_text(DoctorReport(steps=4, stopped="stopped after 4 steps").to_json())
    merged = gather(result, 2, waited=420.0)
    assert merged is not None and merged.exit_code == 2
    assert merged.error == "rank 1 still running after 420 s and killed (waiting in a collective?)"
    assert gather(tmp_path / "none.json", 2) is None


needs_ps = pytest.mark.skipif(shutil.which("ps") is None, reason="the ending tests look for survivors with ps")


def test_a_distributed_script_without_the_launcher_says_how_to_run_it(capsys) -> None:
    code, out, err = doctor(capsys, "--quiet", str(DISTRIBUTED / "ddp_ok.py"))
    assert code == 2
    assert err.strip().endswith("ddp_ok.py: this script is distributed: run with --nproc-per-node N")
    assert "RANK expected" not in out + err and "Traceback" not in out + err


@pytest.mark.parametrize(("script", "expected"), [("ddp_ok.py", []), ("same_samples_bug.py", ["ND191"]), ("diverging_params_bug.py", ["ND192"])])
def test_each_distributed_check_on_two_ranks_under_torchrun(capsys, script, expected) -> None:
    code, out, err = doctor(capsys, "--quiet", "--steps", "4", "--nproc-per-node", "2", "--format", "concise", str(DISTRIBUTED / script), "--", "--epochs", "2")
    assert code == (1 if expected else 0), out + err
    assert sorted(set(word for word in out.split() if word.startswith("ND1"))) == expected
    assert "4 optimizer steps" in out + err


@needs_ps
@pytest.mark.parametrize(("ending", "says"), [
    ("steps", "stopped after 2 steps"),
    ("timeout", "stopped at the timeout (15 s)"),
    ("raise", "rank 1: RuntimeError: rank 1 failed"),
])
def test_every_rank_and_every_process_it_started_ends_with_the_run(capsys, ending, says) -> None:
    marker = f"nnlint-doctor-test-{secrets.token_hex(6)}"
    timeout = "15" if ending == "timeout" else "600"
    _, out, err = doctor(capsys, "--quiet", "--steps", "2", "--timeout", timeout, "--nproc-per-node", "2", str(DISTRIBUTED / "ends.py"), "--", marker, ending)
    assert says in out + err
    assert survivors(marker) == []


@needs_ps
def test_ctrl_c_ends_every_rank_and_every_process_it_started(tmp_path) -> None:
    marker = f"nnlint-doctor-test-{secrets.token_hex(6)}"
    command = [sys.executable, "-m", "nnlint.cli", "doctor", "--nproc-per-node", "2", str(DISTRIBUTED / "ends.py"), "--", marker, "interrupt"]
    nnlint = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in nnlint.stderr], daemon=True).start()  # type: ignore[union-attr]
    try:
        ready = 0
        while ready < 2:  # both ranks printed it: their processes are started
            ready += "ready" in lines.get(timeout=300)
        nnlint.send_signal(signal.SIGINT)
        assert nnlint.wait(timeout=300) == 130
    finally:
        nnlint.kill()
    assert survivors(marker) == []  # the launcher, the ranks (the marker is among their arguments) and what they started
