"""Facts about training code that several rules share: does a loop train, what is a model,
which of its layers behave differently in train and eval mode.
"""

from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.interpreter import interpreter_for
from nnlint.analysis.project import ClassInfo, FunctionInfo, ModuleInfo
from nnlint.analysis.env import Env
from nnlint.analysis.torch_api import BACKWARD_FUNCTIONS, BACKWARD_METHODS, MODE_DEPENDENT_FUNCTIONS, MODE_DEPENDENT_LAYERS, MODULE_CONTAINERS
from nnlint.analysis.values import Instance, is_classifier_factory, short

MODULE_BASES = ("torch.nn.", "pytorch_lightning.", "lightning.")


def reaches_backward(node: cst.CSTNode, module: ModuleInfo, _seen: set[int] | None = None) -> bool:
    """Whether running ``node`` calls ``.backward()``, directly or through the project's functions."""
    seen = _seen if _seen is not None else set()
    for call in syntax.calls_in(node):
        if syntax.method_name(call) in BACKWARD_METHODS:
            return True
        qualname = module.qualify(call.func)
        if qualname in BACKWARD_FUNCTIONS:
            return True
        function = _project_function(call, qualname, module)
        if function is not None and id(function.node) not in seen:
            seen.add(id(function.node))
            if reaches_backward(function.node, function.module, seen):
                return True
    return False


def _project_function(call: cst.Call, qualname: str | None, module: ModuleInfo) -> FunctionInfo | None:
    if isinstance(call.func, cst.Name) and call.func.value in module.functions:
        return module.functions[call.func.value]
    return module.project.find_function(qualname, module) if qualname else None


def is_module_class(cls: ClassInfo, _depth: int = 0) -> bool:
    for base in cls.base_names:
        if base.startswith(MODULE_BASES):
            return True
        parent = cls.module.project.find_class(base, cls.module) if base and _depth < 5 else None
        if parent is not None and is_module_class(parent, _depth + 1):
            return True
    return False


def is_model(value: object) -> bool:
    """A network someone trains or evaluates: a project nn.Module, a Sequential, a zoo model."""
    if not isinstance(value, Instance):
        return False
    if value.cls is not None:
        return is_module_class(value.cls)
    return value.qualname == "torch.nn.Sequential" or is_classifier_factory(value.qualname)


def mode_dependent_layers(instance: Instance, _depth: int = 0) -> tuple[list[str], bool]:
    """(layers whose behaviour depends on train/eval mode, whether the whole composition is known)."""
    if instance.qualname in MODE_DEPENDENT_LAYERS:
        return [short(instance.qualname)], True
    if instance.qualname in MODULE_CONTAINERS:
        if not instance.layers and instance.call is not None and instance.call.args:
            return [], False  # built from a comprehension or a variable: not followed
        return _combine([mode_dependent_layers(layer, _depth + 1) if isinstance(layer, Instance) else ([], False) for layer in instance.layers])
    if instance.cls is not None and _depth < 5:
        evaluate = interpreter_for(instance.cls.module).evaluate
        parts = [_layers_of(evaluate(expression, Env()), expression, _depth) for expression in instance.cls.attributes.values()]
        found, known = _combine(parts)
        forward = instance.cls.methods.get("forward")
        module = instance.cls.module
        if forward is not None and any((module.qualify(c.func) or "") in MODE_DEPENDENT_FUNCTIONS for c in syntax.calls_in(forward.node)):
            found.append("F.dropout")
        return found, known
    if instance.qualname.startswith("torch.nn."):
        return [], True
    return [], False


def _layers_of(value: object, expression: cst.BaseExpression, depth: int) -> tuple[list[str], bool]:
    """An attribute's contribution; a constructor call we cannot follow makes the model's composition unknown."""
    if isinstance(value, Instance):
        return mode_dependent_layers(value, depth + 1)
    called = syntax.dotted_name(expression.func) if isinstance(expression, cst.Call) else None
    return [], not (called and called.rsplit(".", 1)[-1][:1].isupper())


def _combine(parts: list[tuple[list[str], bool]]) -> tuple[list[str], bool]:
    found: list[str] = []
    for layers, _ in parts:
        found.extend(layer for layer in layers if layer not in found)
    return found, all(known for _, known in parts)


def model_call_target(call: cst.Call, context: FileContext, env: Env) -> Instance | None:
    """The model object that ``call`` runs forward on (``model(x)``, ``model.forward(x)``), if known."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "forward":
        func = func.value
    value = context.interpreter.value(func, env)
    return value if isinstance(value, Instance) and is_model(value) else None
