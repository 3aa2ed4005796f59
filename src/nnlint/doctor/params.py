"""Gradients and updates, from optimizer step hooks.

Before each ``optimizer.step()`` the gradients are final: which parameters got
one, whether it is all zeros or not finite, and (at step 0) each layer's
relative gradient norm ||g||/||w||, and at every step each layer's ||g|| (the
report's gradient-flow chart). The parameters are copied then, and after
the step ||dw||/||w|| is computed per layer. Which parameters belong to a
trained model and to an optimizer is settled at the end, when every optimizer
has been seen.
"""

from __future__ import annotations

import math
from collections import defaultdict

import torch
from torch import nn

from nnlint.doctor.names import ModuleNames
from nnlint.doctor.observations import GroupRecord, LayerRecord, ParamRecord


class ParamWatch:
    def __init__(self, layers: dict[str, LayerRecord], names: ModuleNames) -> None:
        self._layers = layers
        self._names = names
        self.optimizers: list[torch.optim.Optimizer] = []
        self.groups: list[GroupRecord] = []  # of the primary (first) optimizer
        self._seen: set[int] = set()  # parameters that got a gradient at some step
        self._nonzero: set[int] = set()
        self._before: dict[int, torch.Tensor] = {}

    @torch.no_grad()
    def before_step(self, optimizer: torch.optim.Optimizer, step: int) -> list[str]:
        """Record gradients and copy the parameters; returns the names of parameters whose gradient is not finite."""
        if optimizer not in self.optimizers:
            self.optimizers.append(optimizer)
            if len(self.optimizers) == 1:
                self.groups = [GroupRecord(index, type(optimizer).__name__) for index in range(len(optimizer.param_groups))]
        primary = optimizer is self.optimizers[0]
        for index, group in enumerate(optimizer.param_groups):
            if primary and index < len(self.groups):
                self.groups[index].lrs.append(float(group.get("lr", math.nan)))
            for parameter in group["params"]:
                if parameter.grad is not None:
                    self._before[id(parameter)] = parameter.detach().clone()
                named = self._names.parameter(parameter)
                if primary and named is not None:
                    self._assign_group(named[1], index)
        return self._gradients(step) if primary else []

    def _gradients(self, step: int) -> list[str]:
        """Which parameters of the seen models got a (non-zero, finite) gradient; gradient norms per layer (relative ones at step 0)."""
        grad_norms: dict[str, list[float]] = defaultdict(list)
        weight_norms: dict[str, list[float]] = defaultdict(list)
        not_finite = []
        for model in self._names.models:
            for parameter in model.parameters():
                named = self._names.parameter(parameter)
                if parameter.grad is None or named is None:
                    continue
                self._seen.add(id(parameter))
                grad_norm = float(parameter.grad.detach().float().norm())
                if grad_norm != 0:
                    self._nonzero.add(id(parameter))
                if not math.isfinite(grad_norm):
                    not_finite.append(named[0])
                grad_norms[named[1]].append(grad_norm)
                if step == 0:
                    weight_norms[named[1]].append(float(parameter.detach().float().norm()))
        for layer, norms in grad_norms.items():
            if layer not in self._layers:
                continue
            record = self._layers[layer]
            record.grad_norms.append(_combined(norms))
            weight = _combined(weight_norms[layer])
            if step == 0 and weight > 0:
                record.relative_grad = _combined(norms) / weight
        return not_finite

    @torch.no_grad()
    def after_step(self, optimizer: torch.optim.Optimizer) -> None:
        if not self.optimizers or optimizer is not self.optimizers[0]:
            self._before.clear()
            return
        deltas: dict[str, list[float]] = defaultdict(list)
        weights: dict[str, list[float]] = defaultdict(list)
        for group in optimizer.param_groups:
            for parameter in group["params"]:
                before = self._before.get(id(parameter))
                named = self._names.parameter(parameter)
                if before is None or named is None:
                    continue
                deltas[named[1]].append(float((parameter.detach() - before).float().norm()))
                weights[named[1]].append(float(before.float().norm()))
        self._before.clear()
        for layer, values in deltas.items():
            weight = _combined(weights[layer])
            if layer in self._layers and weight > 0:
                self._layers[layer].update_ratios.append(_combined(values) / weight)

    def records(self, models: list[nn.Module]) -> list[ParamRecord]:
        """Parameter records for the trained models: those with at least one parameter in an optimizer."""
        in_optimizer = {id(p) for optimizer in self.optimizers for group in optimizer.param_groups for p in group["params"]}
        found = []
        for model in models:
            parameters = list(model.parameters())
            if not any(id(p) in in_optimizer for p in parameters):
                continue
            for parameter in parameters:
                named = self._names.parameter(parameter)
                if named is None:
                    continue
                layer = self._layers.get(named[1])
                found.append(ParamRecord(
                    name=named[0],
                    layer=named[1],
                    layer_type=layer.kind if layer else "",
                    requires_grad=parameter.requires_grad,
                    in_optimizer=id(parameter) in in_optimizer,
                    grad_seen=id(parameter) in self._seen,
                    grad_nonzero=id(parameter) in self._nonzero,
                ))
        return found

    def _assign_group(self, layer: str, index: int) -> None:
        record = self._layers.get(layer)
        if record is not None and record.group is None:
            record.group = index


def _combined(norms: list[float]) -> float:
    """The norm of several tensors together, from their norms."""
    return math.sqrt(sum(value * value for value in norms))
