"""Tracer tests run from the repository root (diagnostic paths are relative to it).

Modules that need torch and networkx (the ``trace`` extra) skip themselves with
``pytest.importorskip``; the ones about specs, primes and codes run without them.
"""

from __future__ import annotations

import pytest
from trace_support import ROOT


@pytest.fixture(autouse=True)
def _in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
