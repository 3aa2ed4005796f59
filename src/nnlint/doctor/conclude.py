"""After the steps: run the experiments on copies, then the checks, and build the report.

Shared by both entries (the script runner's child process and the Python API),
so that ``nnlint doctor train.py`` and ``nnlint.doctor(...)`` judge the same
measurements the same way.
"""

from __future__ import annotations

from nnlint.doctor.checks import run_checks
from nnlint.doctor.experiments import OptimizerFactory, batch_mixing, overfit
from nnlint.doctor.findings import first_line
from nnlint.doctor.observations import Observations
from nnlint.doctor.recorder import Recorder
from nnlint.doctor.replay import Replay
from nnlint.doctor.report import DoctorReport


def conclude(recorder: Recorder, *, stopped: str, seconds: float, error: str | None = None, notes: list[str] | None = None,
             experiment_seconds: float = 10.0) -> DoctorReport:
    """The report for what ``recorder`` saw; the hooks must be removed already (the experiments train copies)."""
    obs = recorder.finish()
    if recorder.recipe is not None and obs.steps:
        _experiments(recorder.recipe, recorder.make_optimizer, obs, experiment_seconds)
    return DoctorReport(
        diagnostics=run_checks(obs),
        metrics=obs.metrics(),
        steps=len(obs.steps),
        stopped=stopped,
        error=error,
        notes=[*obs.notes, *(notes or [])],
        seconds=seconds,
    )


def _experiments(recipe: Replay, make_optimizer: OptimizerFactory | None, obs: Observations, seconds: float) -> None:
    """Each experiment is best effort: one that fails leaves a note, never an exception."""
    if make_optimizer is not None:
        try:
            obs.overfit = overfit(recipe, make_optimizer, seconds=seconds)
            if not obs.overfit.passed and obs.overfit.still_falling:
                obs.notes.append(f"overfit test inconclusive: the loss was still falling after {len(obs.overfit.curve)} steps")
        except Exception as error:  # user code (model, loss) raising on the small batch
            obs.notes.append(f"overfit test skipped: {first_line(error)}")
    try:
        obs.mixing = batch_mixing(recipe)
    except Exception as error:
        obs.notes.append(f"batch-mixing test skipped: {first_line(error)}")

