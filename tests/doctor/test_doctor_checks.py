"""The checks on hand-made measurements: each threshold from both sides, and one finding per cause."""

from __future__ import annotations

import math

import pytest

from nnlint.doctor.checks import run_checks
from nnlint.doctor.findings import Location
from nnlint.doctor.observations import (
    GroupRecord,
    InputSummary,
    LayerRecord,
    LossCall,
    MixingResult,
    ModeEvent,
    NonFiniteOrigin,
    Observations,
    OverfitResult,
    ParamRecord,
    StepRecord,
    TargetSummary,
)

HERE = Location("train.py", 9)


def codes(obs: Observations) -> list[str]:
    return [diagnostic.code for diagnostic in run_checks(obs)]


def standard_input(mean: float = 0.0, std: float = 1.0, **changes) -> InputSummary:
    summary = InputSummary("float32", (32, 20), True, True, False, std=std, channel_axis=1, channel_mean=(mean,) * 20, channel_std=(std,) * 20)
    for key, value in changes.items():
        setattr(summary, key, value)
    return summary


def steps(count: int = 10, labels=lambda i: {0: 8, 1: 8, 2: 8, 3: 8}, **input_changes) -> list[StepRecord]:
    return [StepRecord(i, 1.0, standard_input(**input_changes), TargetSummary("int64", (32,), True, labels(i))) for i in range(count)]


def observe(**fields) -> Observations:
    obs = Observations(script="train.py", model_call=HERE, steps=steps())
    for key, value in fields.items():
        setattr(obs, key, value)
    return obs


def cross_entropy(**changes) -> LossCall:
    call = LossCall("cross_entropy", HERE, 0, math.log(4) + 0.05, (32, 4), (32,), "int64", True, classes=4, logit_std=0.3,
                    input_min=-1.0, input_max=1.0, row_logsumexp=1.5, row_sum=0.1, target_min=0, target_max=3)
    for key, value in changes.items():
        setattr(call, key, value)
    return call


def test_healthy_measurements_are_clean() -> None:
    assert codes(observe(loss_calls=[cross_entropy()])) == []


# -- data -------------------------------------------------------------------------------------------


def test_non_finite_inputs_and_targets() -> None:
    obs = observe(steps=steps(5, finite=False))
    obs.steps[2].target = TargetSummary("float32", (32,), False)
    found = run_checks(obs)
    assert [d.code for d in found] == ["ND101", "ND101"]
    assert "5 of 5 steps" in found[0].message


@pytest.mark.parametrize(("mean", "std", "reported"), [(0.5, 0.29, False), (4.9, 1.0, False), (127.5, 73.0, True), (0.0, 6.0, True)])
def test_input_scale_limit(mean: float, std: float, reported: bool) -> None:
    assert ("ND102" in codes(observe(steps=steps(mean=mean, std=std)))) is reported


def test_uint8_and_almost_constant_inputs() -> None:
    assert codes(observe(steps=steps(dtype="uint8", floating=False))) == ["ND102"]
    assert codes(observe(steps=steps(mean=0.0, std=0.001))) == ["ND102"]


def test_all_zero_inputs_are_reported_but_integer_zeros_are_not() -> None:
    assert codes(observe(steps=steps(all_zero=True))) == ["ND103"]
    assert codes(observe(steps=steps(all_zero=True, floating=False, dtype="int64"))) == []


def test_single_label_batches_need_a_share_of_batches() -> None:
    sorted_data = observe(steps=steps(8, labels=lambda i: {i // 2: 32}))
    assert codes(sorted_data) == ["ND104"]  # class imbalance is not reported on top: the sample is not representative
    by_chance = observe(steps=steps(8, labels=lambda i: {0: 32} if i == 3 else {0: 16, 1: 16}))
    assert codes(by_chance) == []


def test_single_label_batches_ignore_tiny_batches() -> None:
    assert codes(observe(steps=steps(8, labels=lambda i: {i % 2: 2}))) == []


@pytest.mark.parametrize(("rare", "reported"), [(1, True), (4, False)])
def test_class_imbalance_ratio(rare: int, reported: bool) -> None:
    obs = observe(steps=steps(10, labels=lambda i: {0: 30, 1: rare}))
    assert ("ND105" in codes(obs)) is reported


def test_repeated_batch_needs_a_dataloader_that_stopped_yielding() -> None:
    stale = steps(6)
    stale[0].fresh_loader_batch = True
    for step in stale[1:]:
        step.input_repeated = True
    assert codes(observe(steps=stale, loader_used=True)) == ["ND106"]
    assert codes(observe(steps=stale, loader_used=False)) == []  # full-batch training without a loader is legitimate
    for step in stale[1:]:
        step.fresh_loader_batch, step.same_loader_pass = True, False  # a one-batch loader, restarted every step
    assert codes(observe(steps=stale, loader_used=True)) == []
    for step in stale[1:]:
        step.same_loader_pass = True  # the loader itself returned the same batch twice
    assert codes(observe(steps=stale, loader_used=True)) == ["ND106"]


# -- loss -------------------------------------------------------------------------------------------


def test_initial_loss_far_above_chance_reports_the_logit_scale() -> None:
    found = run_checks(observe(loss_calls=[cross_entropy(value=6.0, logit_std=8.0)]))
    assert [d.code for d in found] == ["ND121"]
    assert "logit std 8" in found[0].message and "1.39" in found[0].message


def test_initial_loss_tolerance_and_unscaled_inputs() -> None:
    assert codes(observe(loss_calls=[cross_entropy(value=math.log(4) + 0.45)])) == []
    assert codes(observe(loss_calls=[cross_entropy(value=6.0)], steps=steps(mean=100.0))) == ["ND102"]  # explained by the inputs
    assert codes(observe(loss_calls=[cross_entropy(value=6.0, step=3)])) == []  # only step 0 is initial


def test_nll_loss_on_logits_and_cross_entropy_on_probabilities() -> None:
    logits = LossCall("nll_loss", HERE, 0, 0.02, (32, 4), (32,), "int64", True, classes=4, row_logsumexp=1.4, target_min=0, target_max=3)
    assert codes(observe(loss_calls=[logits])) == ["ND121"]
    assert codes(observe(loss_calls=[LossCall("nll_loss", HERE, 0, 1.4, (32, 4), (32,), "int64", True, classes=4, row_logsumexp=0.0)])) == []
    probabilities = cross_entropy(input_min=0.01, input_max=0.9, row_sum=1.0)
    assert codes(observe(loss_calls=[probabilities])) == ["ND124"]  # at chance: not "initial-loss-off-chance"


def test_cross_entropy_over_one_class() -> None:
    assert codes(observe(loss_calls=[cross_entropy(classes=1, value=0.0, target_max=0)])) == ["ND121"]


def test_binary_loss_chance_is_ln_2_and_pos_weight_is_allowed() -> None:
    high = LossCall("binary_cross_entropy_with_logits", HERE, 0, 2.5, (32, 1), (32, 1), "float32", False, target_min=0, target_max=1)
    assert codes(observe(loss_calls=[high])) == ["ND121"]
    high.options = {"pos_weight": True}
    assert codes(observe(loss_calls=[high])) == []


def test_broadcast_shapes_in_elementwise_losses() -> None:
    broadcast = LossCall("mse_loss", HERE, 0, 1.0, (32, 1), (32,), "float32", False)
    assert codes(observe(loss_calls=[broadcast])) == ["ND122"]
    broadcast.input_shape = (32,)
    assert codes(observe(loss_calls=[broadcast])) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"target_max": 4},  # class 4 of 4
        {"target_min": -1},
        {"target_integer": False, "target_dtype": "float32"},  # class indices stored as floats
    ],
)
def test_class_index_targets_out_of_range_or_of_the_wrong_dtype(changes) -> None:
    assert codes(observe(loss_calls=[cross_entropy(**changes)])) == ["ND123"]


def test_binary_targets_outside_zero_one() -> None:
    signs = LossCall("binary_cross_entropy_with_logits", HERE, 0, 0.7, (32,), (32,), "float32", False, target_min=-1, target_max=1)
    assert codes(observe(loss_calls=[signs])) == ["ND123"]


# -- experiments ------------------------------------------------------------------------------------


def test_failing_to_overfit_is_reported_only_when_nothing_explains_it() -> None:
    stuck = OverfitResult(16, [1.4] * 150 + [1.2] * 50, accuracy=0.5, passed=False, zeroed_curve=[1.4] * 150 + [1.3] * 50)
    found = run_checks(observe(overfit=stuck))
    assert [d.code for d in found] == ["ND131"]
    assert "1.2" in found[0].message and found[0].notes
    assert codes(observe(overfit=stuck, loss_calls=[cross_entropy(value=9.0)])) == ["ND121"]
    slow = OverfitResult(16, [1.4 - 0.005 * step for step in range(200)], accuracy=0.5, passed=False)
    assert slow.still_falling and codes(observe(overfit=slow)) == []  # inconclusive: more steps might pass


def test_zeroed_inputs_learning_as_well_means_the_input_is_ignored() -> None:
    ignored = OverfitResult(16, [1.4, 1.3, 1.25], accuracy=0.25, passed=False, zeroed_curve=[1.4, 1.3, 1.25])
    assert codes(observe(overfit=ignored)) == ["ND111"]
    used = OverfitResult(16, [1.4, 1.0, 0.9], accuracy=0.5, passed=False, zeroed_curve=[1.4, 1.3, 1.25])
    assert codes(observe(overfit=used)) == ["ND131"]
    one_label = OverfitResult(16, [1.4, 1.3, 1.25], accuracy=0.5, passed=False, targets_vary=False, zeroed_curve=[1.4, 1.3, 1.25])
    assert "ND111" not in codes(observe(overfit=one_label))
    broadcast = LossCall("mse_loss", HERE, 0, 1.0, (32, 1), (32,), "float32", False)
    assert codes(observe(overfit=ignored, loss_calls=[broadcast])) == ["ND122"]


def test_batch_mixing_tolerance() -> None:
    assert codes(observe(mixing=MixingResult(16, other_change=0.05, self_change=0.3))) == ["ND112"]
    assert codes(observe(mixing=MixingResult(16, other_change=1e-7, self_change=0.3))) == []


# -- gradients --------------------------------------------------------------------------------------


def param(name: str, layer: str, **changes) -> ParamRecord:
    record = ParamRecord(name, layer, "Linear", requires_grad=True, in_optimizer=True, grad_seen=True, grad_nonzero=True)
    for key, value in changes.items():
        setattr(record, key, value)
    return record


def layers(*names: str) -> dict[str, LayerRecord]:
    return {name: LayerRecord(name, "Linear", order, has_params=True) for order, name in enumerate(names)}


def test_parameters_without_gradient_and_with_zero_gradient() -> None:
    obs = observe(params=[param("a.weight", "a", grad_seen=False), param("b.weight", "b", grad_nonzero=False), param("c.weight", "c")])
    found = run_checks(obs)
    assert [d.code for d in found] == ["ND141", "ND141"]
    assert "never got a gradient" in found[0].message and "a (Linear)" in found[0].message
    assert "all-zero" in found[1].message


def test_frozen_head_but_not_a_frozen_backbone() -> None:
    names = layers("body", "head")
    frozen_head = [param("body.weight", "body"), param("head.weight", "head", requires_grad=False, grad_seen=False)]
    assert codes(observe(params=frozen_head, layers=names)) == ["ND142"]
    frozen_body = [param("body.weight", "body", requires_grad=False, grad_seen=False), param("head.weight", "head")]
    assert codes(observe(params=frozen_body, layers=names)) == []
    everything = [param("body.weight", "body", requires_grad=False), param("head.weight", "head", requires_grad=False)]
    assert codes(observe(params=everything, layers=names)) == ["ND142"]


def test_parameters_outside_every_optimizer_group() -> None:
    assert codes(observe(params=[param("a.weight", "a"), param("b.weight", "b", in_optimizer=False)])) == ["ND143"]


@pytest.mark.parametrize(("first", "code"), [(1e-6, "ND144"), (1e-4, None), (1e-2, None), (2000.0, "ND145")])
def test_first_to_last_gradient_ratio(first: float, code: str | None) -> None:
    names = layers("a", "b", "c")
    for layer, value in zip(names.values(), (first, 0.05, 0.1)):
        layer.relative_grad = value
    assert codes(observe(layers=names)) == ([code] if code else [])


# -- activations and updates --------------------------------------------------------------------------


@pytest.mark.parametrize(("std", "reported"), [(0.3, False), (0.04, True), (25.0, True)])
def test_activation_scale_well_outside_the_band(std: float, reported: bool) -> None:
    names = layers("a", "b", "out")
    for layer, value in zip(names.values(), (0.6, std, 0.001)):  # the output layer's scale is not judged
        layer.init_std = value
    assert ("ND151" in codes(observe(layers=names))) is reported


def test_dead_relu_and_saturated_tanh() -> None:
    relu = LayerRecord("act", "ReLU", 1, nonpos_init=0.5, nonpos_last=0.9, dead_units_last=0.6)
    tanh = LayerRecord("tanh at net.py:7", "tanh", 2, where=Location("net.py", 6), saturated_init=0.8, saturated_last=0.7)
    found = {d.code: d for d in run_checks(observe(layers={"act": relu, "tanh at net.py:7": tanh}))}
    assert sorted(found) == ["ND152", "ND153"]
    assert (found["ND153"].path, found["ND153"].line) == ("net.py", 6)  # a functional call site points at its own line
    relu.nonpos_last = 0.6
    assert codes(observe(layers={"act": relu})) == []


def updating(ratios: list[float], lrs: list[float]) -> Observations:
    names = layers("a", "b")
    for layer in names.values():
        layer.group, layer.update_ratios = 0, ratios
    return observe(layers=names, groups=[GroupRecord(0, "SGD", lrs)], step_call=Location("train.py", 20))


def test_update_ratio_far_from_1e_3_points_at_the_learning_rate() -> None:
    assert codes(updating([2e-3] * 10, [0.1] * 10)) == []
    assert codes(updating([2e-2] * 10, [0.1] * 10)) == []  # inside 3x of the band's edge
    high = run_checks(updating([0.5] * 10, [10.0] * 10))
    assert [d.code for d in high] == ["ND161"] and "too high" in high[0].message and high[0].line == 20
    assert codes(updating([1e-6] * 10, [1e-5] * 10)) == ["ND161"]
    assert codes(updating([1e-6] * 10, [i * 1e-4 for i in range(10)])) == []  # a warm-up: only the high side is judged


def test_update_ratio_ignores_steps_after_nan() -> None:
    assert codes(updating([2e-3] * 5 + [math.nan] * 5, [0.1] * 10)) == []


# -- runtime ----------------------------------------------------------------------------------------


def test_nan_origin_with_and_without_an_op() -> None:
    found = run_checks(observe(nan=NonFiniteOrigin(3, "the loss", "forward", "Net (Net)", "log", Location("net.py", 11))))
    assert [d.code for d in found] == ["ND171"]
    assert (found[0].path, found[0].line) == ("net.py", 11) and "log" in found[0].message
    unknown = run_checks(observe(nan=NonFiniteOrigin(3, "the loss", "unknown", reason="no model call to replay")))
    assert "unknown" in unknown[0].message and unknown[0].line == HERE.line


def test_mode_events_once_per_kind() -> None:
    events = [ModeEvent("train-in-evaluation", "Net", Location("train.py", 30), 4, ("Dropout",)),
              ModeEvent("train-in-evaluation", "Net", Location("train.py", 31), 5, ("Dropout",)),
              ModeEvent("eval-in-training", "Net", Location("train.py", 12), 0, ("BatchNorm1d",))]
    found = run_checks(observe(mode_events=events))
    assert sorted(d.code for d in found) == ["ND181", "ND182"]
