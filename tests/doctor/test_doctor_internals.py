"""The torch-side pieces on small models: replaying a step, the experiments, the NaN search, the hooks' life cycle."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from nnlint.doctor.experiments import batch_mixing, optimizer_factory, overfit  # noqa: E402
from nnlint.doctor.frames import text_location  # noqa: E402
from nnlint.doctor.nan_origin import find_origin  # noqa: E402
from nnlint.doctor.observations import Observations  # noqa: E402
from nnlint.doctor.recorder import Recorder  # noqa: E402
from nnlint.doctor.replay import LossCallRecord, ModelCall, Replay  # noqa: E402
from nnlint.doctor.session import Session  # noqa: E402
from nnlint.doctor.summaries import merge_targets, summarize_target  # noqa: E402


def replay_of(model: nn.Module, inputs: torch.Tensor, target: torch.Tensor, to_loss_input=lambda out: out, loss=F.cross_entropy) -> Replay | None:
    output = model(inputs)
    loss_input = to_loss_input(output)
    record = LossCallRecord(loss, loss.__name__, loss_input, target, {}, loss(loss_input, target))
    return Replay.build(ModelCall(model, (inputs,), {}, output, True, None), record)


def classifier() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))


def batch(samples: int = 12) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return torch.randn(samples, 6, generator=generator), torch.arange(samples) % 3


# -- replay -----------------------------------------------------------------------------------------


def test_replay_finds_the_loss_input_in_tuples_dicts_and_views() -> None:
    class Tokens(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed, self.out = nn.Embedding(11, 8), nn.Linear(8, 11)

        def forward(self, ids):
            return {"logits": self.out(self.embed(ids)), "aux": ids.float()}

    model, ids = Tokens(), torch.randint(0, 11, (4, 5))
    replay = replay_of(model, ids, ids.reshape(-1), lambda out: out["logits"].view(-1, 11))
    assert replay is not None and replay.path == ("logits",) and replay.view_shape == (11,)
    assert replay.loss_of(model).shape == ()
    assert replay_of(classifier(), *batch(), lambda out: F.log_softmax(out, 1), F.nll_loss) is None  # computed outside the model


def test_copies_are_deep_and_cut_to_the_first_samples() -> None:
    model = classifier()
    replay = replay_of(model, *batch(20))
    assert replay is not None
    copy = replay.copied(samples=8)
    assert copy.args[0].shape[0] == 8 and copy.target.shape == (8,)
    assert all(a is not b for a, b in zip(model.parameters(), copy.model.parameters()))
    next(copy.model.parameters()).data.zero_()
    assert next(model.parameters()).abs().sum() > 0


# -- experiments ------------------------------------------------------------------------------------


def test_overfitting_a_small_batch_passes_and_runs_the_zeroed_twin() -> None:
    model = classifier()
    replay = replay_of(model, *batch())
    assert replay is not None
    factory = optimizer_factory(torch.optim.Adam(model.parameters(), lr=1e-2), model)
    assert factory is not None
    result = overfit(replay, factory)
    assert result.passed and result.accuracy == 1.0
    assert len(result.zeroed_curve) == len(result.curve) and result.zeroed_curve[-1] > result.final


def test_the_optimizer_factory_uses_the_schedulers_base_rate() -> None:
    model = classifier()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.0)  # a warm-up that starts at zero
    factory = optimizer_factory(optimizer, model)
    assert factory is not None
    rebuilt = factory(classifier())
    assert rebuilt.param_groups[0]["lr"] == 0.1 and rebuilt.param_groups[0]["momentum"] == 0.9


def test_an_optimizer_that_cannot_be_rebuilt_gives_no_factory() -> None:
    class Needy(torch.optim.SGD):
        def __init__(self, params, secret):
            super().__init__(params, lr=0.1)

    model = classifier()
    assert optimizer_factory(Needy(model.parameters(), secret=1), model) is None


def test_batch_mixing_is_seen_only_where_samples_interact() -> None:
    class ForcedBatchNorm(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(6, 3)

        def forward(self, x):
            return F.batch_norm(self.fc(x), None, None, training=True)

    inputs, target = batch()
    healthy = replay_of(nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.Linear(8, 3)), inputs, target)
    mixing = replay_of(ForcedBatchNorm(), inputs, target)
    assert healthy is not None and mixing is not None
    assert batch_mixing(healthy).other_change == 0.0
    assert batch_mixing(mixing).other_change > 1e-2


def test_batch_mixing_gives_up_on_random_outputs() -> None:
    class Noisy(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(6, 3)

        def forward(self, x):
            return self.fc(x) + torch.randn(x.shape[0], 3)

    replay = replay_of(Noisy(), *batch())
    assert replay is not None and batch_mixing(replay) is None


# -- NaN origin -------------------------------------------------------------------------------------


class LogOfRelu(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        return torch.log(F.relu(self.fc(x)))  # -inf where the unit is off


class DistanceAtZero(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        h = self.fc(x)
        return h + (h - h.detach()).pow(2).sqrt()  # 0 in value; its gradient is inf * 0


def test_the_nan_search_names_the_forward_op_and_its_line() -> None:
    inputs, target = batch()
    model = LogOfRelu()
    replay = replay_of(model, inputs, target)
    origin = find_origin(replay, [], step=4, what="the loss")
    assert (origin.step, origin.stage, origin.op, origin.module) == (4, "forward", "log", "LogOfRelu")
    assert origin.where is not None and origin.where.path.endswith("test_doctor_internals.py")
    assert "torch.log" in Path(origin.where.path).read_text().splitlines()[origin.where.line]


def test_the_nan_search_falls_back_to_autograd_anomaly_for_gradients() -> None:
    inputs, target = batch()
    model = DistanceAtZero()
    origin = find_origin(replay_of(model, inputs, target), [], step=0, what="the gradient of fc.weight")
    assert (origin.stage, origin.op) == ("backward", "the backward of Pow")
    assert origin.where is not None and ".pow(2).sqrt()" in Path(origin.where.path).read_text().splitlines()[origin.where.line]


def test_the_nan_search_without_a_replay_is_unknown() -> None:
    origin = find_origin(None, [], step=2, what="the loss")
    assert origin.stage == "unknown" and origin.reason


def test_anomaly_tracebacks_are_read_for_the_innermost_user_frame(tmp_path) -> None:
    script, model, inside_torch = tmp_path / "train.py", tmp_path / "model.py", torch.nn.functional.__file__
    text = "".join(f'  File "{path}", line {line}, in f\n' for path, line in ((script, 3), (model, 12), (inside_torch, 40)))
    location = text_location(f"Traceback of forward call that caused the error:\n{text}")
    assert location is not None and (location.path, location.line) == (str(model), 11)


# -- hooks ------------------------------------------------------------------------------------------


def test_targets_are_labels_only_for_classification_losses() -> None:
    assert summarize_target(torch.tensor([0, 2, 2]), "cross_entropy").labels == {0: 1, 2: 2}
    assert summarize_target(torch.tensor([[0.0], [1.0]]), "binary_cross_entropy_with_logits").labels == {0: 1, 1: 1}
    assert summarize_target(torch.tensor([0.0, 1.0]), "mse_loss").labels is None


def test_the_session_hooks_record_a_step_and_are_gone_afterwards() -> None:
    model = classifier()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    inputs, target = batch()

    def step() -> None:
        loss = nn.CrossEntropyLoss()(model(inputs), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    recorder = Recorder(Observations(script="test.py"), max_steps=10)
    with Session(recorder):
        step()
    assert len(recorder.obs.steps) == 1 and recorder.obs.steps[0].loss is not None
    assert [call.function for call in recorder.obs.loss_calls] == ["cross_entropy"]
    assert recorder.recipe is not None and recorder.make_optimizer is not None
    step()  # outside the session: nothing more is recorded
    assert len(recorder.obs.steps) == 1 and len(recorder.obs.loss_calls) == 1


def test_a_steps_targets_are_merged_so_a_gans_ones_and_zeros_are_two_labels() -> None:
    real, fake = torch.ones(8, 1), torch.zeros(8, 1)
    merged = merge_targets([summarize_target(real, "binary_cross_entropy_with_logits"), summarize_target(fake, "binary_cross_entropy_with_logits")])
    assert merged.labels == {1: 8, 0: 8} and merged.finite


def test_a_frozen_feature_extractor_under_no_grad_is_not_an_evaluation() -> None:
    backbone = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU())
    head = nn.Linear(8, 3)
    optimizer = torch.optim.SGD(head.parameters(), lr=0.1)
    inputs, target = batch()
    recorder = Recorder(Observations(script="test.py"), max_steps=10)
    with Session(recorder):
        for _ in range(3):
            with torch.no_grad():
                features = backbone(inputs)  # train mode, no grad: a feature extractor, not an evaluation
            loss = F.cross_entropy(head(features), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            head.train()
            head(features)
    assert recorder.finish().mode_events == []  # the head has no Dropout/BatchNorm, the backbone is not trained
