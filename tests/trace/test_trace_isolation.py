"""``nnlint trace`` against model code that fights it: it stops it, says where, exits 2, leaves nothing running.

Each test runs the real command in its own process group with a generous
timeout, so a regression fails (and is cleaned up) instead of hanging the suite.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the tracer needs torch (pip install 'nnlint[trace]')")

from trace_support import MODELS, ROOT, line_of

HOSTILE = MODELS / "hostile.py"
ENTRY = "import sys; from nnlint.cli import main; sys.exit(main(sys.argv[1:]))"
PATIENCE = 600  # seconds before the test gives up: a hang fails instead of blocking the suite


def nnlint_trace(*argv: str, env: dict[str, str] | None = None, memory: int | None = None) -> subprocess.CompletedProcess[str]:
    """``nnlint trace ARGV`` in a new process group (killed afterwards, whatever happened)."""

    def limit_memory() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    process = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "trace", *argv], cwd=ROOT, env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, preexec_fn=limit_memory,
    )
    try:
        out, err = process.communicate(timeout=PATIENCE)
    except subprocess.TimeoutExpired:
        out, err = "", "nnlint trace did not return"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def last_line(err: str) -> str:
    lines = err.rstrip("\n").splitlines()
    return lines[-1] if lines else ""


def assert_one_line_error(result: subprocess.CompletedProcess[str], *parts: str) -> None:
    line = last_line(result.stderr)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and line.startswith("nnlint trace: "), result.stderr[-2000:]
    for part in parts:
        assert part in line, line


def test_an_endless_python_loop_in_forward_times_out_and_says_where() -> None:
    result = nnlint_trace(f"{HOSTILE}:LoopsInForward", "-i", "B,3", "--timeout", "10")
    loop = line_of(HOSTILE, "x = x  #")
    assert_one_line_error(result, "timed out after 10 s", f"hostile.py:{loop}", "--timeout")


def test_a_call_blocked_in_c_is_killed_at_the_timeout() -> None:
    result = nnlint_trace(f"{HOSTILE}:SleepsInInit", "-i", "B,3", "--timeout", "10")
    assert_one_line_error(result, "timed out after 10 s", f"hostile.py:{line_of(HOSTILE, 'time.sleep(3600)')}")


def test_the_timeout_is_a_positive_number() -> None:
    result = nnlint_trace(f"{HOSTILE}:LoopsInForward", "-i", "B,3", "--timeout", "0")
    assert result.returncode == 2 and "--timeout" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("seconds", ["1e12", "inf"])
def test_a_timeout_beyond_what_the_clock_counts_still_traces(seconds: str) -> None:
    result = nnlint_trace(f"{MODELS}/dims_view.py:PermuteSwapsAxes", "-i", "B,T,64", "--timeout", seconds)
    assert result.returncode == 0 and "captured by fx" in result.stdout, result.stderr[-2000:]


def test_os_exit_in_init_is_an_error_that_says_where() -> None:
    result = nnlint_trace(f"{HOSTILE}:OsExitInInit", "-i", "B,3")
    assert_one_line_error(result, "os._exit(0)", f"hostile.py:{line_of(HOSTILE, 'os._exit(0)')}")


def test_sys_exit_in_forward_is_an_error_that_says_where() -> None:
    result = nnlint_trace(f"{HOSTILE}:SysExitInForward", "-i", "B,3")
    assert_one_line_error(result, "sys.exit(7)", f"hostile.py:{line_of(HOSTILE, 'sys.exit(7)')}")


def test_system_exit_in_a_factory_is_an_error_that_says_where() -> None:
    result = nnlint_trace(f"{HOSTILE}:exits_on_call", "-i", "B,3")
    assert_one_line_error(result, "sys.exit(3)", f"hostile.py:{line_of(HOSTILE, 'raise SystemExit(3)')}")


def test_a_crash_in_the_models_code_is_an_error_that_says_where() -> None:
    result = nnlint_trace(f"{HOSTILE}:CrashesInInit", "-i", "B,3")
    assert_one_line_error(result, "crashed the trace process (Segmentation fault)", f"hostile.py:{line_of(HOSTILE, 'string_at(0)')}")


def test_a_model_that_kills_its_process_is_an_error() -> None:
    result = nnlint_trace(f"{HOSTILE}:KillsItself", "-i", "B,3")
    assert_one_line_error(result, "the trace process was killed by SIGKILL before the model was traced")


def test_the_models_prints_go_to_stderr_and_stdout_stays_json() -> None:
    result = nnlint_trace(f"{HOSTILE}:PrintsMegabytes", "-i", "B,16", "--format", "json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["summary"]["problems"] == 0
    assert result.stderr.count("{not json}") == 100_000 and "x" * 1_000_000 in result.stderr


def test_the_models_prints_stay_out_of_the_full_report() -> None:
    result = nnlint_trace(f"{HOSTILE}:PrintsMegabytes", "-i", "B,16")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "{not json}" not in result.stdout and "captured by" in result.stdout


def test_tensors_built_with_an_explicit_device_stay_on_meta() -> None:
    # 2 x 40 GB if they escape; the process may not even map 6 GB.
    result = nnlint_trace(f"{HOSTILE}:HugeCpuBuffer", "-i", "B,16", "--format", "concise", memory=6 * 2**30)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "NT109" in result.stdout and "`weight` [100000, 100000] never reaches the output" in result.stdout  # traced, on meta


def test_tensors_made_with_an_explicit_device_in_forward_stay_on_meta() -> None:
    result = nnlint_trace(f"{HOSTILE}:HugeCpuTensorInForward", "-i", "B,16", memory=6 * 2**30)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "captured by fx" in result.stdout and "failed" not in result.stdout  # not "fx failed: can't allocate"


@pytest.mark.parametrize("model", ["SpawnsAndHangs", "SpawnsInANewSessionAndHangs", "DaemonizesAndHangs"])
def test_nothing_the_model_started_outlives_the_run(tmp_path: Path, model: str) -> None:
    pidfile = tmp_path / "pid"
    result = nnlint_trace(f"{HOSTILE}:{model}", "-i", "B,3", "--timeout", "20", env={"NNLINT_TEST_PIDFILE": str(pidfile)})
    assert_one_line_error(result, "timed out after 20 s")
    pid = int(pidfile.read_text())
    for _ in range(100):  # the kill is sent before nnlint returns; reaping may lag a moment
        if not _alive(pid):
            break
        time.sleep(0.1)
    assert not _alive(pid), f"process {pid} started by the model is still running"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"  # a zombie is dead, waiting to be reaped
    except FileNotFoundError:
        return False
