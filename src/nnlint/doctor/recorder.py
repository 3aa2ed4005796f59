"""What the hooks see, step by step, turned into ``Observations``.

The ``Recorder`` is the single receiver of every hook (``session.py`` installs
them): module forwards, loss calls, ``backward()``, optimizer steps and
DataLoader batches. A "step" is one ``step()`` of the first optimizer seen; the
model calls, loss calls and backward losses in between are buffered, then
summarised when the step ends. At step 0 the call that fed the loss is kept as
a ``Replay`` on a pristine copy, for the experiments run after the script stops.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader

from nnlint.doctor.codes import OVERFIT_SAMPLES
from nnlint.doctor.experiments import OptimizerFactory, optimizer_factory
from nnlint.doctor.findings import Location, first_line
from nnlint.doctor.definitions import binding
from nnlint.doctor.frames import user_frame, user_location
from nnlint.doctor.layers import LayerWatch
from nnlint.doctor.names import ModuleNames, is_loss_module, mode_sensitive_layers
from nnlint.doctor.nan_origin import find_origin
from nnlint.doctor.observations import ModeEvent, Observations, StepRecord
from nnlint.doctor.params import ParamWatch
from nnlint.doctor.replay import LossCallRecord, ModelCall, Replay
from nnlint.doctor.summaries import fingerprint, first_tensor, merge_targets, summarize_input, summarize_loss_call, summarize_target



class DoctorStop(BaseException):
    """Stops the user's script from inside a hook.

    A ``BaseException`` (like ``KeyboardInterrupt``), so a script's own
    ``except Exception`` does not swallow it.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Recorder:
    def __init__(self, observations: Observations, max_steps: int, on_step: Callable[[StepRecord], None] | None = None) -> None:
        self.obs = observations
        self.max_steps = max_steps
        self.on_step = on_step
        self.active = True
        self.names = ModuleNames()
        self.layer_watch = LayerWatch(observations.layers, self.names)
        self.param_watch = ParamWatch(observations.layers, self.names)
        self.recipe: Replay | None = None  # step 0's model call and loss, on a pristine copy
        self.make_optimizer: OptimizerFactory | None = None
        self.step = 0
        self.loader_batches = 0
        self.loader_passes = 0
        self._stack: list[nn.Module] = []
        self._calls: list[ModelCall] = []  # training (grad-enabled) top-level calls of this step
        self._where: dict[tuple[int, bool], Location | None] = {}  # (id(model), grad enabled?) -> first call site
        self._losses: list[LossCallRecord] = []
        self._backward: list[float] = []
        self._loss_noted = False  # the note on how a step's several backward() calls make its loss
        self._input: torch.Tensor | None = None
        self._input_stamp = (0, 0)
        self._previous: tuple[tuple[Any, ...], tuple[int, int]] | None = None  # the last step's input fingerprint and loader stamp
        self._loss_sites: set[tuple[str, Location]] = set()
        self._mode_events: set[tuple[str, int]] = set()
        self._evaluated: list[tuple[nn.Module, Location | None, int]] = []  # models run under no_grad in train mode

    # -- module hooks -------------------------------------------------------------------------

    def forward_pre(self, module: nn.Module, args: tuple[Any, ...]) -> None:
        if not self.active:
            return
        if not self._stack and not is_loss_module(module):
            self.names.register(module)
        self._stack.append(module)

    def forward(self, module: nn.Module, args: tuple[Any, ...], kwargs: Mapping[str, Any], output: Any = None) -> None:
        """After every module call; also when the forward raised (``always_call``), then without an output."""
        if not self.active or not any(entry is module for entry in self._stack):
            return
        while self._stack.pop() is not module:  # a forward that raised leaves its inner modules on the stack
            pass
        grad_enabled = torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
        if grad_enabled and self.obs.nan is None:  # after the first NaN, activations say nothing more
            self.layer_watch.module_output(module, args, output, self.step)
        if self._stack or is_loss_module(module) or output is None:
            return
        key = (id(module), grad_enabled)
        if key not in self._where:
            self._where[key] = user_location()
        where = self._where[key]
        if not grad_enabled:
            self._evaluation_call(module, where)
            return
        self._calls.append(ModelCall(module, args, dict(kwargs), output, module.training, where))
        if self._input is None:
            self._input = first_tensor(args)
            self._input_stamp = (self.loader_batches, self.loader_passes)

    def functional_activation(self, function: str, input: torch.Tensor, output: torch.Tensor) -> None:
        """``F.relu`` and friends in a model's own code (inside a leaf module they belong to the module)."""
        inside_leaf = bool(self._stack) and self.layer_watch.is_leaf(self._stack[-1])
        if self._stack and not inside_leaf and torch.is_grad_enabled() and self.obs.nan is None:
            where = user_location()
            if where is not None:
                self.layer_watch.functional(function, input, output, where, self.step)

    # -- loss and backward --------------------------------------------------------------------

    def loss_call(self, function: Callable[..., torch.Tensor], name: str, input: torch.Tensor, target: torch.Tensor, options: dict[str, Any]) -> torch.Tensor:
        """Run the loss, and keep it (live for this step, summarised for the checks).

        Summarised even when the loss raises: a target out of range crashes right
        here, and the report should say why.
        """
        where = user_location() or self.obs.at_script
        result: torch.Tensor | None = None
        try:
            result = function(input, target, **options)
        finally:
            site = (name, where)
            if self.step == 0 or site not in self._loss_sites:
                self._loss_sites.add(site)
                self.obs.loss_calls.append(summarize_loss_call(name, input, target, options, result, where, self.step))
        if torch.is_grad_enabled():
            self._losses.append(LossCallRecord(function, name, input, target, options, result))
        return result

    def explicit_loss(self, function: Callable[..., Any], input: Any, target: Any, result: Any) -> None:
        """The Python API's ``loss_fn(output, target)``: kept for the experiments when no known loss was seen inside it."""
        if not self._losses and isinstance(input, torch.Tensor) and isinstance(target, torch.Tensor) and isinstance(result, torch.Tensor):
            self._losses.append(LossCallRecord(function, "custom", input, target, {}, result))

    def backward(self, tensors: torch.Tensor | list[torch.Tensor] | None) -> None:
        loss = first_tensor(tensors)
        if loss is None:
            return
        value = float(loss.detach().float().mean())
        self._backward.append(value)
        if not math.isfinite(value) and self.obs.nan is None:
            self._find_nan_origin("the loss")

    # -- optimizer hooks ----------------------------------------------------------------------

    def step_pre(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        if not self.active:
            return
        if not self.param_watch.optimizers:
            self.obs.step_call = user_location()
            self.obs.optimizer_built = binding(optimizer, user_frame())
        not_finite = self.param_watch.before_step(optimizer, self.step)
        if self.step == 0 and optimizer is self.param_watch.optimizers[0]:
            self._keep_recipe(optimizer)
        if not_finite and self.obs.nan is None:
            self._find_nan_origin(f"the gradient of {not_finite[0]}")

    def step_post(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        if not self.active or optimizer not in self.param_watch.optimizers:
            return
        self.param_watch.after_step(optimizer)
        if optimizer is self.param_watch.optimizers[0]:
            self._end_step()

    def loader_pass(self) -> None:
        self.loader_passes += 1
        self.obs.loader_used = True
        if self.obs.loader_built is None:
            frame = user_frame()
            loaders = {id(value): value for value in {**frame.f_globals, **frame.f_locals}.values() if isinstance(value, DataLoader)} if frame else {}
            if len(loaders) == 1:  # the frame iterating holds one DataLoader: the one it iterates
                self.obs.loader_built = binding(next(iter(loaders.values())), frame)

    def loader_batch(self) -> None:
        self.loader_batches += 1

    # -- internals ----------------------------------------------------------------------------

    def _evaluation_call(self, module: nn.Module, where: Location | None) -> None:
        """Kept until the end: only a model some optimizer trains is "evaluated" (a frozen feature extractor is not)."""
        if module.training and not any(seen is module for seen, _, _ in self._evaluated):
            self._evaluated.append((module, where, self.step))

    def finish(self) -> Observations:
        """The observations once the run is over: parameters, optimizer groups and evaluation calls resolved."""
        self.obs.params = self.param_watch.records(self.names.models)
        self.obs.groups = self.param_watch.groups
        trained = self._trained_parameters()
        for model, where, step in self._evaluated:
            if any(id(p) in trained for p in model.parameters()):
                self._mode_event("train-in-evaluation", model, where, step)
        return self.obs

    def _trained_parameters(self) -> set[int]:
        return {id(p) for optimizer in self.param_watch.optimizers for group in optimizer.param_groups for p in group["params"]}

    def _mode_event(self, kind: str, model: nn.Module, where: Location | None, step: int) -> None:
        """Note a model in the wrong mode, once per kind and model (an evaluation loop repeats it every batch)."""
        key = (kind, id(model))
        if key in self._mode_events or where is None:
            return
        self._mode_events.add(key)
        layers = mode_sensitive_layers(model)
        if layers:
            self.obs.mode_events.append(ModeEvent(kind, type(model).__name__, where, step, layers))

    def _step_replay(self) -> Replay | None:
        """This step's model call and loss call, connected (the loss that was backpropagated when there are several)."""
        for loss in reversed(self._losses):
            for call in self._calls:
                replay = Replay.build(call, loss)
                if replay is not None:
                    return replay
        return None

    def _keep_recipe(self, optimizer: torch.optim.Optimizer) -> None:
        replay = self._step_replay()
        if replay is None:
            self.obs.notes.append("experiments skipped: the loss input is not the output of a model call (or no known loss function was called)")
            return
        self.obs.model_call = self._where.get((id(replay.model), True))
        try:
            self.recipe = replay.copied(samples=OVERFIT_SAMPLES)
        except RuntimeError as error:  # e.g. a module holding a non-leaf tensor cannot be deep-copied
            self.obs.notes.append(f"experiments skipped: the model could not be copied ({first_line(error)})")
            return
        self.make_optimizer = optimizer_factory(optimizer, replay.model)
        if self.make_optimizer is None:
            self.obs.notes.append(f"overfit test skipped: could not build a fresh {type(optimizer).__name__} for a copy")

    def _find_nan_origin(self, what: str) -> None:
        self.active = False
        try:
            self.obs.nan = find_origin(self._step_replay(), self._calls, self.step, what)
        finally:
            self.active = True

    def _step_loss(self) -> float:
        """The loss the script computed for this optimizer step, and (once) a note saying how several backward() calls were combined.

        Gradient accumulation calls backward() on ``loss / N`` N times per step:
        the value the script computed (and prints) is the loss function's, before
        the division, so the step's loss is the mean of the loss calls' values
        when every backward had one; otherwise the mean of the backward values.
        """
        backward = self._backward
        if len(backward) == 1 or len(self.param_watch.optimizers) != 1:
            return sum(backward) / len(backward)
        computed = [float(loss.result.detach().float().mean()) for loss in self._losses]
        if len(computed) == len(backward):
            how = f"the mean of the loss function's value over the {len(backward)} backward() calls of each optimizer step (gradient accumulation)"
            value = sum(computed) / len(computed)
        else:
            how = f"the mean of the {len(backward)} values passed to backward() in each optimizer step"
            value = sum(backward) / len(backward)
        if not self._loss_noted:
            self._loss_noted = True
            self.obs.notes.append(f"loss per optimizer step: {how}")
        return value

    def _end_step(self) -> None:
        record = StepRecord(self.step)
        if self._backward:
            record.loss = self._step_loss()
        if self._input is not None:
            record.input = summarize_input(self._input)
            stamp, seen = self._input_stamp, fingerprint(self._input)
            if self._previous is not None:
                previous, previous_stamp = self._previous
                record.input_repeated = seen == previous
                record.fresh_loader_batch = stamp[0] != previous_stamp[0]
                record.same_loader_pass = stamp[1] == previous_stamp[1]
            else:
                record.fresh_loader_batch = stamp[0] > 0
            self._previous = (seen, stamp)
        if self._losses:  # all of the step's targets: a GAN's ones and zeros are two labels, not one
            record.target = merge_targets([summarize_target(loss.target, loss.name) for loss in self._losses])
        self._mode_in_training()
        if self.obs.model_call is None and self._calls:  # no replayable loss: the first training call is the model's
            self.obs.model_call = self._calls[0].where
        self.obs.steps.append(record)
        self._calls, self._losses, self._backward, self._input = [], [], [], None
        self.step += 1
        if self.on_step is not None:
            self.on_step(record)
        if self.step >= self.max_steps:
            raise DoctorStop(f"stopped after {self.step} steps")

    def _mode_in_training(self) -> None:
        in_eval = [call for call in self._calls if not call.training]
        if not in_eval:
            return
        trained = self._trained_parameters()
        for call in in_eval:
            if any(id(p) in trained for p in call.module.parameters()):
                self._mode_event("eval-in-training", call.module, call.where, self.step)

