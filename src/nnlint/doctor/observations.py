"""What the doctor measured, as plain numbers (no torch here).

The hooks (``recorder.py``) and the experiments fill these records; the checks
(``checks/``) read them and nothing else. Keeping the two apart lets every check
be tested on hand-written numbers, in milliseconds, and lets the report carry
the measurements (``DoctorReport.metrics``) without holding a tensor.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from nnlint.doctor.findings import Location


@dataclass
class InputSummary:
    """The tensor the first layer received in one step."""

    dtype: str
    shape: tuple[int, ...]
    floating: bool
    finite: bool
    all_zero: bool
    std: float | None = None  # over all values (floating, finite inputs only)
    channel_axis: int | None = None
    channel_mean: tuple[float, ...] = ()
    channel_std: tuple[float, ...] = ()


@dataclass
class TargetSummary:
    """The target the loss received in one step."""

    dtype: str
    shape: tuple[int, ...]
    finite: bool
    labels: dict[int, int] | None = None  # class -> count, when the targets are class labels


@dataclass
class StepRecord:
    index: int
    loss: float | None = None  # the value the script called backward() on (mean over the step's calls)
    input: InputSummary | None = None
    target: TargetSummary | None = None
    input_repeated: bool = False  # equal to the previous step's input
    fresh_loader_batch: bool = False  # a DataLoader yielded a batch since the previous step
    same_loader_pass: bool = False  # ... and from the same pass over the loader as the previous step's


@dataclass
class LossCall:
    """One call of a known loss function (module or functional), summarised."""

    function: str  # the torch.nn.functional name, e.g. "cross_entropy"
    where: Location
    step: int
    value: float  # mean per element (reduction undone)
    input_shape: tuple[int, ...]
    target_shape: tuple[int, ...]
    target_dtype: str
    target_integer: bool
    classes: int | None = None  # size of the class dim for cross-entropy / NLL
    logit_std: float | None = None
    input_min: float | None = None
    input_max: float | None = None
    row_logsumexp: float | None = None  # mean over rows of logsumexp(input): 0 for log-probabilities
    row_sum: float | None = None  # mean over rows of sum(input): 1 for probabilities
    target_min: float | None = None
    target_max: float | None = None
    target_row_sum: float | None = None  # for probability targets
    options: dict[str, Any] = field(default_factory=dict)  # label_smoothing, weight, pos_weight, ignore_index


@dataclass
class ParamRecord:
    name: str  # qualified, e.g. "head.weight"
    layer: str  # the owning module's qualified name
    layer_type: str
    requires_grad: bool
    in_optimizer: bool
    grad_seen: bool = False  # a gradient was present at some optimizer step
    grad_nonzero: bool = False  # ... and not all zeros


@dataclass
class LayerRecord:
    """A leaf module (or a functional activation call site) of the trained model."""

    name: str
    kind: str  # module class name, or the function name for functional activations
    order: int  # execution order at step 0
    role: str = ""  # "normalisation" (its output std is reset by design) or "embedding" (looked-up rows, not a transform); else ""
    has_params: bool = False
    where: Location | None = None  # source line of a functional activation
    defined: Location | None = None  # the user's line that builds the layer (``self.fc1 = ...``), where a fix of it goes
    init_std: float | None = None
    std_last: float | None = None  # output std at the last observed step (layers with parameters)
    nonpos_init: float | None = None  # ReLU: share of outputs <= 0
    nonpos_last: float | None = None
    nonpos_steps: list[float] = field(default_factory=list)  # ReLU: the share per observed step (judged over the later half)
    dead_units_last: float | None = None  # ReLU: share of units <= 0 for the whole batch
    saturated_init: float | None = None  # sigmoid/tanh: share of inputs beyond +-5
    saturated_last: float | None = None
    relative_grad: float | None = None  # ||g|| / ||w|| at step 0
    grad_norms: list[float] = field(default_factory=list)  # ||g|| per step (the gradient-flow chart)
    update_ratios: list[float] = field(default_factory=list)  # ||dw|| / ||w|| per step
    group: int | None = None  # the primary optimizer's group holding this layer's parameters

    @property
    def label(self) -> str:
        """How messages name the layer: ``fc1 (Linear)``, or ``relu at net.py:12`` for a functional call site."""
        return self.name if self.where is not None else f"{self.name} ({self.kind})"


@dataclass
class GroupRecord:
    """One parameter group of the optimizer whose steps are counted."""

    index: int
    optimizer: str
    lrs: list[float] = field(default_factory=list)  # per step


@dataclass
class NonFiniteOrigin:
    step: int
    symptom: str  # what stopped being finite: "the loss", "the gradient of fc.weight"
    stage: str  # where the first non-finite value appeared: "forward", "loss", "backward" or "unknown"
    module: str | None = None
    op: str | None = None
    where: Location | None = None
    reason: str = ""  # why the op is unknown, when it is


@dataclass
class ModeEvent:
    kind: str  # "train-in-evaluation" or "eval-in-training"
    model: str
    where: Location
    step: int
    layers: tuple[str, ...]  # the Dropout / BatchNorm classes present


@dataclass
class OverfitResult:
    samples: int
    curve: list[float]  # loss per step
    accuracy: float | None
    passed: bool
    targets_vary: bool = True  # the batch holds more than one target value (else zeroed inputs can fit it too)
    zeroed_curve: list[float] = field(default_factory=list)  # the same training on zeroed inputs

    @property
    def start(self) -> float:
        return self.curve[0]

    @property
    def final(self) -> float:
        return self.curve[-1]

    @property
    def still_falling(self) -> bool:
        """The loss fell by more than 10% over the last quarter of the run: more steps might still pass."""
        if len(self.curve) < 8 or not math.isfinite(self.final):
            return False
        quarter = self.curve[-(len(self.curve) // 4)]
        return self.final < 0.9 * quarter


@dataclass
class MixingResult:
    samples: int
    other_change: float  # max change of the other samples' outputs, relative to the output scale
    self_change: float


@dataclass
class Observations:
    script: str  # where findings without a better place point
    steps: list[StepRecord] = field(default_factory=list)
    loss_calls: list[LossCall] = field(default_factory=list)
    params: list[ParamRecord] = field(default_factory=list)
    layers: dict[str, LayerRecord] = field(default_factory=dict)
    groups: list[GroupRecord] = field(default_factory=list)
    nan: NonFiniteOrigin | None = None
    mode_events: list[ModeEvent] = field(default_factory=list)
    overfit: OverfitResult | None = None
    mixing: MixingResult | None = None
    model_call: Location | None = None  # where the trained model is called
    step_call: Location | None = None  # where optimizer.step() is called
    optimizer_built: Location | None = None  # where the stepped optimizer is constructed (ND143, ND161 are fixed there)
    loader_built: Location | None = None  # where the training DataLoader is constructed (ND104, ND105, ND106 are fixed there)
    loader_used: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def at_script(self) -> Location:
        return Location(self.script, 0)

    def metrics(self) -> dict[str, Any]:
        """The measurements as JSON-ready data: per-step losses and learning rates, per-layer numbers, experiments."""
        return {
            "steps": len(self.steps),
            "loss": [step.loss for step in self.steps],
            "lr": {str(group.index): group.lrs for group in self.groups},
            "layers": {name: _layer_metrics(layer) for name, layer in self.layers.items()},
            "overfit": asdict(self.overfit) if self.overfit else None,
            "batch_mixing": asdict(self.mixing) if self.mixing else None,
            "loss_calls": [asdict(call) | {"where": str(call.where)} for call in self.loss_calls],
            "chance": self.chance(),
            "batches": [_batch_metrics(step) for step in self.steps],
        }

    def chance(self) -> float | None:
        """The loss of a model that guesses: ln(C) for a C-class softmax loss, ln 2 for a binary one, else unknown."""
        if not self.loss_calls:
            return None
        call = self.loss_calls[0]
        if call.classes:
            return math.log(call.classes)
        return math.log(2) if call.function.startswith("binary_cross_entropy") else None


def _batch_metrics(step: StepRecord) -> dict[str, Any]:
    """One step's batch: its class labels (when the targets are labels) and its input statistics per channel."""
    data: dict[str, Any] = {"step": step.index, "labels": None, "input": None}
    if step.target is not None and step.target.labels is not None:
        data["labels"] = {str(label): count for label, count in sorted(step.target.labels.items())}
    if step.input is not None:
        data["input"] = {key: getattr(step.input, key) for key in ("shape", "std", "channel_axis", "channel_mean", "channel_std")}
    return data


def _layer_metrics(layer: LayerRecord) -> dict[str, Any]:
    data = asdict(layer)
    data["where"] = str(layer.where) if layer.where else None
    data["defined"] = str(layer.defined) if layer.defined else None
    return {key: value for key, value in data.items() if value not in (None, [])}
