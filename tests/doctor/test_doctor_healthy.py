"""The doctor on healthy training scripts: no finding that would make a user uninstall it.

``fixtures/doctor/healthy/`` holds small, correct scripts in the styles people
write (CNN, ResNet with BatchNorm, a sequence-first LSTM language model, a
nanoGPT-style transformer with warm-up and gradient accumulation, a frozen
encoder, GAN, VAE, REINFORCE, class weights, label smoothing, mixup, sparse
embeddings, AMP, ...). Each runs under the doctor, one test per script and no
shared state (so they can run in parallel), and the whole corpus may raise at
most one warning, which must be listed and explained in ``EXPLAINED``.

The hand-made measurements below pin each false alarm the corpus found, so the
reason stays tested even if a script changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from doctor_support import FIXTURES

from nnlint.diagnostic import Severity
from nnlint.doctor.checks import run_checks
from nnlint.doctor.findings import Location
from nnlint.doctor.observations import GroupRecord, InputSummary, LayerRecord, LossCall, Observations, OverfitResult, StepRecord, TargetSummary

HEALTHY = sorted((FIXTURES / "healthy").glob("*.py"))
STEPS = 10

#: script name -> (code, why this warning on a healthy script is acceptable). At most one entry.
EXPLAINED: dict[str, tuple[str, str]] = {}


def test_the_corpus_covers_the_styles_people_use() -> None:
    assert len(HEALTHY) >= 20
    assert len(EXPLAINED) <= 1


@pytest.mark.parametrize("script", HEALTHY, ids=lambda path: path.stem)
def test_healthy_script_gets_no_warning(script: Path) -> None:
    pytest.importorskip("torch")
    from nnlint.doctor.child import run_in_this_process

    report = run_in_this_process(str(script), [], steps=STEPS, timeout=120)
    assert report.error is None
    assert report.steps == STEPS
    warnings = [d for d in report.diagnostics if d.severity <= Severity.WARNING]
    allowed = {EXPLAINED[script.name][0]} if script.name in EXPLAINED else set()
    assert {d.code for d in warnings} <= allowed, "\n".join(f"{d.code} {d.message}" for d in warnings)


# -- the false alarms, on hand-made measurements ---------------------------------------------------

HERE = Location("train.py", 9)


def layer(name: str, kind: str, order: int, role: str = "", **fields: object) -> LayerRecord:
    record = LayerRecord(name, kind, order, role=role, has_params=kind not in ("ReLU", "Dropout"))
    for key, value in fields.items():
        setattr(record, key, value)
    return record


def observed(*layers: LayerRecord, **fields: object) -> Observations:
    obs = Observations(script="train.py", model_call=HERE, steps=[StepRecord(i, 1.0) for i in range(10)],
                       layers={record.name: record for record in layers})
    for key, value in fields.items():
        setattr(obs, key, value)
    return obs


def codes(obs: Observations) -> list[str]:
    return [d.code for d in run_checks(obs)]


def test_small_embeddings_ahead_of_a_layernorm_are_not_vanishing_activations() -> None:
    gpt = [layer("wte", "Embedding", 0, "embedding", init_std=0.0198), layer("wpe", "Embedding", 1, "embedding", init_std=0.02),
           layer("ln_1", "LayerNorm", 2, "normalisation", init_std=0.993), layer("fc", "Linear", 3, init_std=0.6), layer("head", "Linear", 4, init_std=0.5)]
    assert codes(observed(*gpt)) == []
    plain = [layer("wte", "Embedding", 0, "embedding", init_std=0.0198), layer("fc", "Linear", 1, init_std=0.6), layer("head", "Linear", 2, init_std=0.5)]
    assert codes(observed(*plain)) == ["ND151"]  # nothing resets the scale: still judged


def test_a_linear_layer_before_an_activation_and_a_batchnorm_is_not_judged() -> None:
    net = [layer("fc1", "Linear", 0, init_std=0.01), layer("act", "ReLU", 1), layer("bn", "BatchNorm1d", 2, "normalisation", init_std=1.0),
           layer("fc2", "Linear", 3, init_std=0.7), layer("out", "Linear", 4, init_std=0.5)]
    assert codes(observed(*net)) == []


def test_embedding_gradients_are_not_compared_with_the_output_layer() -> None:
    net = [layer("user", "Embedding", 0, "embedding", relative_grad=9e-5), layer("tower.0", "Linear", 1, relative_grad=0.3),
           layer("tower.1", "Linear", 2, relative_grad=0.5), layer("tower.2", "Linear", 3, relative_grad=8.2)]
    assert codes(observed(*net)) == []
    net[0].role = ""  # the same numbers for a dense first layer are a vanishing gradient
    assert codes(observed(*net)) == ["ND144"]


def updating(losses: list[float]) -> Observations:
    records = [layer("a", "Linear", 0, group=0, update_ratios=[0.06] * 10), layer("b", "Linear", 1, group=0, update_ratios=[0.06] * 10)]
    return observed(*records, groups=[GroupRecord(0, "Adam", [1e-2] * 10)], step_call=Location("train.py", 20),
                    steps=[StepRecord(i, loss) for i, loss in enumerate(losses)])


def test_large_updates_while_the_loss_falls_are_a_working_learning_rate() -> None:
    assert codes(updating([2.0 - 0.1 * i for i in range(10)])) == []
    high = run_checks(updating([2.0 + 0.1 * i for i in range(10)]))
    assert [d.code for d in high] == ["ND161"]
    assert "target about" not in high[0].message and "0.03 (3x the healthy band's upper end 0.01)" in high[0].message


def stuck(samples: int) -> OverfitResult:
    return OverfitResult(samples=samples, curve=[3.9] * 150 + [3.3] * 50, accuracy=0.16, passed=False)


def test_an_overfit_run_on_an_uncut_sequence_first_batch_is_not_judged() -> None:
    assert codes(observed(overfit=stuck(8))) == ["ND131"]
    assert codes(observed(overfit=stuck(700))) == []  # [35, 20] tokens flattened to 700 targets: not a handful of samples


def test_an_overfit_run_during_a_warm_up_is_not_judged() -> None:
    assert codes(observed(overfit=stuck(8), groups=[GroupRecord(0, "AdamW", [3e-5 * (i + 1) for i in range(10)])])) == []
    assert codes(observed(overfit=stuck(8), groups=[GroupRecord(0, "AdamW", [6e-4] * 10)])) == ["ND131"]


def labelled_steps(input_shape: tuple[int, ...], labels: dict[int, int]) -> list[StepRecord]:
    return [StepRecord(i, 1.0, InputSummary("int64", input_shape, False, True, False), TargetSummary("int64", (sum(labels.values()),), True, labels))
            for i in range(10)]


def test_token_frequencies_of_a_language_model_are_not_class_imbalance() -> None:
    tokens = {0: 100, **{token: 5 for token in range(1, 121)}}  # the end-of-sentence token, 20x the others, over [35, 20] batches
    assert codes(observed(steps=labelled_steps((35, 20), tokens))) == []
    classes = {0: 30, 1: 2}
    assert codes(observed(steps=labelled_steps((32, 8), classes))) == ["ND105"]
    weighted = LossCall("cross_entropy", HERE, 0, 0.7, (32, 2), (32,), "int64", True, classes=2, options={"weight": True})
    assert codes(observed(steps=labelled_steps((32, 8), classes), loss_calls=[weighted])) == []


def test_a_dead_relu_verdict_does_not_hang_on_the_step_where_the_run_was_cut() -> None:
    transient = layer("act", "ReLU", 0, nonpos_init=0.5, nonpos_last=0.78, nonpos_steps=[0.5] * 5 + [0.6] * 4 + [0.78])
    assert codes(observed(transient)) == []
    dying = layer("act", "ReLU", 0, nonpos_init=0.5, nonpos_last=0.9, nonpos_steps=[0.5] + [0.9] * 9)
    assert codes(observed(dying)) == ["ND152"]
