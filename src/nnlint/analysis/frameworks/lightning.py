"""PyTorch Lightning's conventions, as the semantic model sees them.

A ``LightningModule`` holds no training loop: Lightning's ``Trainer`` runs its hooks. ``training_step``
is the body of the training loop, and under automatic optimisation (the default) Lightning itself calls
``zero_grad()``, ``backward()`` on the loss it returns and ``step()``; with
``self.automatic_optimization = False`` the hook does all three itself (``self.optimizers()``,
``self.manual_backward(loss)``), as a hand-written loop body does. ``validation_step`` / ``test_step`` /
``predict_step`` run with the module in eval mode and autograd off. ``configure_optimizers`` returns an
optimizer, a list of them, a dict with ``"lr_scheduler"``, a list of such dicts, or a tuple of two lists
(optimizers, schedulers); a scheduler config's ``"interval"`` says whether Lightning steps it every epoch
(the default) or every optimizer step.

Lightning is never imported: its names are data in ``facts.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.frameworks.facts import (
    LIGHTNING_AUTOMATIC_OPTIMIZATION,
    LIGHTNING_CONFIGURE_OPTIMIZERS,
    LIGHTNING_DEFAULT_INTERVAL,
    LIGHTNING_EVALUATION_HOOKS,
    LIGHTNING_INTERVAL_KEY,
    LIGHTNING_MODULES,
    LIGHTNING_OPTIMIZER_KEY,
    LIGHTNING_OPTIMIZERS_METHOD,
    LIGHTNING_SCHEDULER_CONFIG_KEY,
    LIGHTNING_SCHEDULER_KEY,
    LIGHTNING_TRAINING_HOOKS,
)
from nnlint.analysis.project import ClassInfo, FunctionInfo, ModuleInfo
from nnlint.analysis.values import UNKNOWN, Constant, Instance, Mapping, Sequence, Value

_MAX_BASES = 5  # how far up a project class hierarchy a LightningModule base is looked for


def is_lightning_class(cls: ClassInfo, _depth: int = 0) -> bool:
    """A subclass of ``LightningModule``, directly or through project classes."""
    for base in cls.base_names:
        if base in LIGHTNING_MODULES:
            return True
        parent = cls.module.project.find_class(base, cls.module) if base and _depth < _MAX_BASES else None
        if parent is not None and is_lightning_class(parent, _depth + 1):
            return True
    return False


def is_lightning_instance(value: object) -> bool:
    return isinstance(value, Instance) and value.cls is not None and is_lightning_class(value.cls)


def is_optimizers_call(receiver: object, method: str) -> bool:
    """``self.optimizers()`` on a LightningModule (a method Lightning defines: the module does not)."""
    return method == LIGHTNING_OPTIMIZERS_METHOD and is_lightning_instance(receiver)


def owner(function: cst.FunctionDef, module: ModuleInfo) -> ClassInfo | None:
    """The class of ``module`` that defines ``function`` as a method (None: a plain function)."""
    for cls in module.classes.values():
        method = cls.methods.get(function.name.value)
        if method is not None and method.node is function:
            return cls
    return None


def hook(function: cst.FunctionDef, module: ModuleInfo) -> str | None:
    """The hook name when ``function`` is a method of a LightningModule that Lightning calls itself."""
    cls = owner(function, module)
    name = function.name.value
    known = name in LIGHTNING_TRAINING_HOOKS or name in LIGHTNING_EVALUATION_HOOKS or name == LIGHTNING_CONFIGURE_OPTIMIZERS
    return name if known and cls is not None and is_lightning_class(cls) else None


def is_evaluation_hook(function: cst.FunctionDef, module: ModuleInfo) -> bool:
    """Lightning runs ``function`` in eval mode under no-grad (``validation_step`` and its kin)."""
    return hook(function, module) in LIGHTNING_EVALUATION_HOOKS


def automatic_optimization(cls: ClassInfo, _depth: int = 0) -> bool | None:
    """Whether Lightning optimises ``cls`` itself: True unless ``self.automatic_optimization`` is set in
    ``__init__`` (here or in a project base); None when it is set to something not known."""
    assigned = cls.attributes.get(LIGHTNING_AUTOMATIC_OPTIMIZATION)
    if assigned is not None:
        return syntax.literal_bool(assigned)
    for base in cls.base_names:
        parent = cls.module.project.find_class(base, cls.module) if base and _depth < _MAX_BASES else None
        if parent is not None:
            return automatic_optimization(parent, _depth + 1)
    return True


def automatic_training_step(function: cst.FunctionDef, module: ModuleInfo) -> ClassInfo | None:
    """The LightningModule whose ``training_step`` this is, when Lightning optimises it automatically."""
    cls = owner(function, module)
    if hook(function, module) not in LIGHTNING_TRAINING_HOOKS or cls is None:
        return None
    return cls if automatic_optimization(cls) is True else None


def configure_optimizers(cls: ClassInfo) -> FunctionInfo | None:
    """The ``configure_optimizers`` a LightningModule instance runs (its own or a project base's)."""
    found = cls.methods.get(LIGHTNING_CONFIGURE_OPTIMIZERS)
    if found is not None:
        return found
    for base in cls.base_names:
        parent = cls.module.project.find_class(base, cls.module) if base else None
        if parent is not None and (inherited := configure_optimizers(parent)) is not None:
            return inherited
    return None


def optimizers(returned: Value) -> Value:
    """What ``self.optimizers()`` gives for what ``configure_optimizers`` returned: the optimizer when
    there is one, a list of them when there are several; unknown when the return is not understood."""
    found = _optimizer_entries(returned)
    if not found or any(entry is UNKNOWN for entry in found):
        return UNKNOWN
    return found[0] if len(found) == 1 else Sequence(tuple(found))


def _optimizer_entries(returned: Value) -> list[Value]:
    if isinstance(returned, Instance):
        return [returned]
    if isinstance(returned, Mapping):
        entry = returned.get(LIGHTNING_OPTIMIZER_KEY)
        return [entry if entry is not None else UNKNOWN]
    if isinstance(returned, Sequence) and returned.complete:
        if len(returned.items) == 2 and all(isinstance(part, Sequence) for part in returned.items):
            first = returned.items[0]
            assert isinstance(first, Sequence)
            return list(first.items) if first.complete else [UNKNOWN]  # ([optimizers], [schedulers])
        return [entry for item in returned.items for entry in _optimizer_entries(item)]
    return [UNKNOWN]


def returns(function: cst.FunctionDef) -> list[tuple[cst.SimpleStatementLine, cst.Return]]:
    """The ``return VALUE`` statements of a hook (not those of functions nested in it), each with its line."""
    found = []
    for statement in syntax.walk_statements(syntax.body_statements(function.body)):
        if isinstance(statement, cst.SimpleStatementLine):
            found.extend((statement, small) for small in statement.body if isinstance(small, cst.Return) and small.value is not None)
    return found


@dataclass(frozen=True)
class SchedulerConfig:
    """One scheduler ``configure_optimizers`` returns, and the interval Lightning steps it at."""

    scheduler: Instance
    interval: str  # "epoch" (Lightning's default) or "step"; configs whose interval is not known are left out


def scheduler_configs(returned: Value) -> list[SchedulerConfig]:
    """The schedulers of every form ``configure_optimizers`` may return, with their known intervals."""
    if isinstance(returned, Mapping):
        entry = returned.get(LIGHTNING_SCHEDULER_KEY)
        return _scheduler(entry) if entry is not None else []
    if isinstance(returned, Sequence) and returned.complete:
        if len(returned.items) == 2 and all(isinstance(part, Sequence) for part in returned.items):
            schedulers = returned.items[1]
            assert isinstance(schedulers, Sequence)
            return [config for item in schedulers.items for config in _scheduler(item)] if schedulers.complete else []
        return [config for item in returned.items if isinstance(item, Mapping) for config in scheduler_configs(item)]
    return []


def _scheduler(entry: Value) -> list[SchedulerConfig]:
    """A scheduler given alone (stepped every epoch) or as a config dict with ``"scheduler"`` and ``"interval"``."""
    if isinstance(entry, Instance):
        return [SchedulerConfig(entry, LIGHTNING_DEFAULT_INTERVAL)]
    if not isinstance(entry, Mapping):
        return []
    scheduler, interval = entry.get(LIGHTNING_SCHEDULER_CONFIG_KEY), entry.get(LIGHTNING_INTERVAL_KEY)
    if interval is None:
        interval = Constant(LIGHTNING_DEFAULT_INTERVAL)
    if not (isinstance(scheduler, Instance) and isinstance(interval, Constant) and isinstance(interval.value, str)):
        return []
    return [SchedulerConfig(scheduler, interval.value)]
