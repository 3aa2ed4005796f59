"""Fuzzing the tracer: generated small models, valid and invalid, give a finding or one clear line.

``model_generator.generate(seed)`` writes a random stack of Conv2d / BatchNorm /
pooling / Flatten / views / Linear / LayerNorm / Dropout / softmax layers as a
user's model file, with a shape tracker that knows whether every layer fits. A
model that fits must trace (and carry the findings for the bugs planted in it:
a view used as a transpose, softmax over the batch, the batch merged into the
features); one that does not must raise ``TraceUsageError`` with one line, never
another exception. The command line must say the same in one line, never a
traceback. 30 models in all; each test id is the seed that reproduces it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the tracer needs torch (pip install 'nnlint[trace]')")
pytest.importorskip("networkx", reason="the tracer needs networkx (pip install 'nnlint[trace]')")

from model_generator import GeneratedModel, generate

from nnlint.trace import TraceReport, TraceUsageError, trace
from nnlint.trace.loader import load_target

API_SEEDS = range(24)


def _cli_seeds() -> list[int]:
    """Three valid and three invalid models not among the API ones."""
    valid = [seed for seed in range(24, 200) if generate(seed).valid][:3]
    invalid = [seed for seed in range(24, 200) if not generate(seed).valid][:3]
    return valid + invalid


def test_the_generator_makes_both_kinds_and_plants_bugs() -> None:
    """Otherwise the properties below would only ever see one side."""
    models = [generate(seed) for seed in [*API_SEEDS, *_cli_seeds()]]
    assert len(models) <= 30 and 8 <= sum(model.valid for model in models) <= 22
    assert {code for model in models if model.valid for code in model.expected} >= {"NT101", "NT103", "NT104"}


@pytest.mark.parametrize("seed", API_SEEDS)
def test_trace_gives_a_report_or_one_clear_line(seed: int, tmp_path: Path) -> None:
    model = generate(seed)
    target = load_target(f"{model.write(tmp_path)}:Net")
    try:
        report = trace(target, model.spec)
    except TraceUsageError as error:
        assert not model.valid, f"{model}: a model that fits was refused: {error}"
        message = str(error)
        assert message and "\n" not in message and "internal error" not in message, message
        assert "Net" in message or "body." in message, f"the message does not say where: {message}"
        return
    assert model.valid, f"{model}: traced although {model.why_invalid}"
    assert isinstance(report, TraceReport)
    found = {d.code for d in report.diagnostics}
    assert model.expected <= found, f"{model}: missing {sorted(model.expected - found)}, found {sorted(found)}"
    assert all(d.path and d.line >= 0 for d in report.diagnostics)


def _nnlint_trace(path: Path, spec: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "PYTHONPATH")}
    env["NO_COLOR"] = "1"
    return subprocess.run([sys.executable, "-m", "nnlint.cli", "trace", f"{path}:Net", "--input", spec, "--format", "concise"],
                          cwd=cwd, capture_output=True, text=True, env=env, timeout=300, check=False)


@pytest.mark.parametrize("seed", _cli_seeds())
def test_nnlint_trace_exits_with_findings_or_one_line(seed: int, tmp_path: Path) -> None:
    model = generate(seed)
    result = _nnlint_trace(model.write(tmp_path), model.spec, tmp_path)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    if model.valid:
        assert result.returncode in (0, 1), f"{model}: {result.stderr}"
        assert result.returncode == (1 if any(": NT" in line for line in result.stdout.splitlines()) else 0)
        assert all(code in result.stdout for code in model.expected), f"{model}: {result.stdout}"
    else:
        assert result.returncode == 2, f"{model}: exit {result.returncode}"
        [line] = result.stderr.splitlines()
        assert line.startswith("nnlint trace: the input spec does not fit the model: "), line


def test_the_test_ids_reproduce_the_models(tmp_path: Path) -> None:
    first, again = generate(7), generate(7)
    assert isinstance(first, GeneratedModel) and first.source == again.source
