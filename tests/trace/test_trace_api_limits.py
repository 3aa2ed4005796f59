"""``nnlint.trace()`` against model code that fights it, in the caller's process.

The API cannot kill the caller, so its story is smaller than the command line's:
``sys.exit`` in the model is a ``TraceUsageError`` that says where, ``timeout=``
stops a hang in Python code (SIGALRM, main thread), and tensors built with an
explicit ``device=`` never leave the meta device.
"""

from __future__ import annotations

import signal
import threading

import pytest

torch = pytest.importorskip("torch", reason="the tracer needs torch (pip install 'nnlint[trace]')")

from torch import nn
from trace_support import MODELS, line_of

from nnlint.trace import TraceUsageError, trace
from nnlint.trace.loader import build, load_target

HOSTILE = MODELS / "hostile.py"


def test_sys_exit_in_forward_is_a_trace_usage_error_that_says_where() -> None:
    with pytest.raises(TraceUsageError) as error:
        trace(load_target(f"{HOSTILE}:SysExitInForward"), "B,3")
    assert str(error.value) == (
        f"tracing SysExitInForward failed: the model's code called sys.exit(7) (fixtures/models/hostile.py:{line_of(HOSTILE, 'sys.exit(7)')})"
    )


def test_a_timeout_stops_an_endless_python_loop_and_says_where() -> None:
    def mine(signum: int, frame: object) -> None:
        raise AssertionError("the caller's own SIGALRM handler must not run")

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        with pytest.raises(TraceUsageError) as error:
            trace(load_target(f"{HOSTILE}:LoopsInForward"), "B,3", timeout=5)
        assert signal.getsignal(signal.SIGALRM) is mine  # handed back
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # and no alarm left armed
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert str(error.value) == (
        f"tracing LoopsInForward timed out after 5 s at fixtures/models/hostile.py:{line_of(HOSTILE, 'x = x  #')} (pass a larger timeout)"
    )


def test_a_timeout_outside_the_main_thread_is_not_enforced_and_does_not_fail() -> None:
    reports = []
    worker = threading.Thread(target=lambda: reports.append(trace(nn.Linear(4, 2), "B,4", timeout=600)))
    worker.start()
    worker.join(600)
    assert len(reports) == 1 and reports[0].capture.tier == "fx"


class ExplicitDevice(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("table", torch.zeros(3, 5, device="cpu"))
        self.weight = nn.Parameter(torch.empty(2, 2, device=torch.device("cpu")))
        self.ids = torch.arange(4).to(device="cpu")
        self.built_on_meta = [self.table.is_meta, self.weight.is_meta, self.ids.is_meta]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight


def test_tensors_built_with_an_explicit_device_are_made_on_meta() -> None:
    model = build(ExplicitDevice)
    assert model.built_on_meta == [True, True, True]
    assert trace(ExplicitDevice, "B,2").capture.tier == "fx"


def test_a_spec_too_large_once_free_dims_get_primes_is_one_line() -> None:
    with pytest.raises(TraceUsageError, match=r"too large for a tensor \(about 10\*\*18 elements with B=7, T=13"):
        trace(nn.Identity(), "B,T,4294967296,4194304")  # 2**54 before the primes, 91 * 2**54 after
