"""Names for what the hooks see: modules and parameters by their qualified names.

Global hooks receive module objects, not names. When a top-level module (one
that no other module called) is first seen, its sub-modules and parameters are
named once, as ``named_modules()`` names them; a second top-level model gets
its class name as a prefix so two models' ``fc`` layers stay apart.
"""

from __future__ import annotations

from torch import nn


class ModuleNames:
    def __init__(self) -> None:
        self.models: list[nn.Module] = []  # top-level modules, in the order first seen (kept alive: ids stay unique)
        self._modules: dict[int, tuple[str, nn.Module]] = {}  # id(sub-module) -> (name, top-level module)
        self._parameters: dict[int, tuple[str, str]] = {}  # id(parameter) -> (name, owning layer's name)

    def register(self, model: nn.Module) -> None:
        if id(model) in self._modules:
            return
        prefix = f"{type(model).__name__}." if self.models else ""
        self.models.append(model)
        for qualified, module in model.named_modules():
            name = f"{prefix}{qualified}" if qualified else type(model).__name__
            self._modules.setdefault(id(module), (name, model))
            for parameter_name, parameter in module.named_parameters(recurse=False):
                full = f"{name}.{parameter_name}" if qualified or prefix else parameter_name
                self._parameters.setdefault(id(parameter), (full, name))

    def module(self, module: nn.Module) -> str | None:
        entry = self._modules.get(id(module))
        return entry[0] if entry else None

    def model_of(self, module: nn.Module) -> nn.Module | None:
        entry = self._modules.get(id(module))
        return entry[1] if entry else None

    def parameter(self, parameter: nn.Parameter) -> tuple[str, str] | None:
        """(parameter name, layer name) for a parameter of a registered model."""
        return self._parameters.get(id(parameter))


def is_leaf(module: nn.Module) -> bool:
    return next(module.children(), None) is None


def is_loss_module(module: nn.Module) -> bool:
    """``nn.CrossEntropyLoss()`` and friends: called at the top level, but not models."""
    return type(module).__module__ == "torch.nn.modules.loss"


_DROPOUT = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)
_BATCH_NORM = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


def mode_sensitive_layers(model: nn.Module) -> tuple[str, ...]:
    """The Dropout (p > 0) and BatchNorm classes in ``model``: the layers that behave differently in train and eval mode."""
    found = {
        type(module).__name__
        for module in model.modules()
        if (isinstance(module, _DROPOUT) and module.p > 0) or isinstance(module, _BATCH_NORM)
    }
    return tuple(sorted(found))
