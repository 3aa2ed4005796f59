"""The doctor's tests run torch on one thread: the CI machines are small and shared, and tiny models are faster that way."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")  # inherited by the doctor's child processes
os.environ.setdefault("MKL_NUM_THREADS", "1")


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread() -> None:
    try:
        import torch
    except ModuleNotFoundError:
        return
    torch.set_num_threads(1)
