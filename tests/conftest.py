"""Suite-wide settings: every property test is derandomized, so a run is repeatable.

A property test that draws new examples on every run is a red CI waiting to happen: the
first run that meets a rare input fails a submission that changed nothing near it. The
examples are fixed by the test's own name instead (``derandomize``), and no example
database carries failures from one run to the next. ``benchmarks/fuzz.py`` is where new
inputs are explored; set ``HYPOTHESIS_PROFILE=explore`` to draw fresh ones here too.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


# Whole modules whose tests start processes, import torch/transformers or drive a browser or an
# editor: the ``slow`` marker lets ``pytest -m "not slow"`` give a developer the static core
# in seconds, while CI runs everything. Kind, not measured time, decides: a test never depends
# on the machine's speed. Single slow tests in otherwise fast modules carry ``@pytest.mark.slow``.
SLOW_BY_KIND = {
    "tests/doctor/": "runs training scripts in doctor child processes",
    "tests/trace/": "imports torch and traces models, some in child processes",
    "tests/test_lsp.py": "spawns the language server",
    "tests/test_lsp_lifetime.py": "spawns the language server",
    "tests/test_lsp_limits.py": "spawns the language server",
    "tests/test_lsp_protocol.py": "spawns the language server",
    "tests/test_pictures_browser.py": "drives headless Chromium",
    "tests/test_pictures_graph.py": "traces models with torch",
    "tests/test_pictures_report.py": "runs the doctor to draw its report",
    "tests/test_precommit.py": "runs pre-commit in a scratch repository",
}


def pytest_collection_modifyitems(config, items):
    """Mark every test of a module listed in ``SLOW_BY_KIND`` as ``slow``."""
    root = config.rootpath
    for item in items:
        relative = item.path.relative_to(root).as_posix()
        if any(relative.startswith(prefix) for prefix in SLOW_BY_KIND):
            item.add_marker(pytest.mark.slow)
