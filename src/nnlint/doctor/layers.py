"""Per-layer activation statistics, from forward hooks and functional activation calls.

Leaf modules are measured as they run during training forwards (grad enabled):
the output std of layers with parameters (at step 0 and the last step), the share of ReLU outputs
that are <= 0, and the share of sigmoid/tanh inputs beyond +-5. Functional
activations (``F.relu(h)``, ``torch.sigmoid(h)``) have no module; they are
measured as call sites, named by their source line.
"""

from __future__ import annotations

import torch
from torch import nn

from nnlint.doctor.codes import SATURATION_LEVEL
from nnlint.doctor.definitions import definition
from nnlint.doctor.findings import Location
from nnlint.doctor.names import ModuleNames, is_leaf
from nnlint.doctor.observations import LayerRecord

_RELU_MODULES = (nn.ReLU,)
_SATURATING_MODULES = (nn.Sigmoid, nn.Tanh)
#: Layers whose role changes how their activations are judged (see ``LayerRecord.role``).
_ROLES: tuple[tuple[str, tuple[type[nn.Module], ...]], ...] = (
    ("normalisation", (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm, nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d,
                       nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm, *((nn.RMSNorm,) if hasattr(nn, "RMSNorm") else ()))),
    ("embedding", (nn.Embedding, nn.EmbeddingBag)),
)


class LayerWatch:
    def __init__(self, layers: dict[str, LayerRecord], names: ModuleNames) -> None:
        self._layers = layers
        self._names = names
        self._leaf: dict[int, bool] = {}

    def is_leaf(self, module: nn.Module) -> bool:
        known = self._leaf.get(id(module))
        if known is None:
            known = self._leaf[id(module)] = is_leaf(module)
        return known

    @torch.no_grad()
    def module_output(self, module: nn.Module, args: tuple[object, ...], output: object, step: int) -> None:
        """Measure a leaf module that just ran in a training forward."""
        if not self.is_leaf(module) or not isinstance(output, torch.Tensor) or not output.is_floating_point():
            return
        name = self._names.module(module)
        if name is None:
            return
        record = self._record(name, type(module).__name__, step)
        if record is None:
            return
        record.role = next((role for role, kinds in _ROLES if isinstance(module, kinds)), "")
        if step == 0 and record.defined is None:
            model = self._names.model_of(module)
            record.defined = definition(model, module) if model is not None else None
        if step == 0 and next(module.parameters(recurse=False), None) is not None:
            record.has_params = True
            record.init_std = _std(output)
        if record.has_params:
            record.std_last = _std(output)
        if isinstance(module, _RELU_MODULES):
            _measure_relu(record, output, step)
        elif isinstance(module, _SATURATING_MODULES) and args and isinstance(args[0], torch.Tensor):
            _measure_saturation(record, args[0], step)

    @torch.no_grad()
    def functional(self, function: str, input: torch.Tensor, output: torch.Tensor, where: Location, step: int) -> None:
        """Measure ``F.relu`` / ``torch.sigmoid`` / ``torch.tanh`` called in a model's forward."""
        if not output.is_floating_point():
            return
        record = self._record(f"{function} at {where}", function, step)
        if record is None:
            return
        record.where = where
        if function == "relu":
            _measure_relu(record, output, step)
        else:
            _measure_saturation(record, input, step)

    def _record(self, name: str, kind: str, step: int) -> LayerRecord | None:
        """The layer's record; layers first seen after step 0 are not tracked (their "init" is unknown)."""
        record = self._layers.get(name)
        if record is None and step == 0:
            record = self._layers[name] = LayerRecord(name=name, kind=kind, order=len(self._layers))
        return record


def _std(tensor: torch.Tensor) -> float | None:
    return float(tensor.float().std()) if tensor.numel() > 1 else None


def _measure_relu(record: LayerRecord, output: torch.Tensor, step: int) -> None:
    values = output.detach()
    share = float((values <= 0).float().mean())
    if step == 0:
        record.nonpos_init = share
    record.nonpos_last = share
    record.nonpos_steps.append(share)
    if values.dim() >= 2:
        record.dead_units_last = float((values <= 0).reshape(values.shape[0], -1).all(dim=0).float().mean())


def _measure_saturation(record: LayerRecord, input: torch.Tensor, step: int) -> None:
    share = float((input.detach().abs() > SATURATION_LEVEL).float().mean())
    if step == 0:
        record.saturated_init = share
    record.saturated_last = share
