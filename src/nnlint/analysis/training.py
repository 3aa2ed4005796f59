"""Facts about training code that several rules share: does a loop train, what is a model,
which of its layers behave differently in train and eval mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.interpreter import interpreter_for
from nnlint.analysis.project import ClassInfo, FunctionInfo, ModuleInfo
from nnlint.analysis.env import Env
from nnlint.analysis.torch_api import (
    BACKWARD_FUNCTIONS,
    BACKWARD_METHODS,
    MODE_DEPENDENT_FUNCTIONS,
    MODE_DEPENDENT_LAYERS,
    MODULE_BASE_PREFIXES,
    MODULE_CONTAINERS,
    RECURRENT_LAYERS,
)
from nnlint.analysis.values import Instance, is_classifier_factory, short



def trains(node: cst.CSTNode, module: ModuleInfo, _seen: set[int] | None = None) -> bool:
    """Whether running ``node`` may call ``backward()``: the one answer to "does this loop train?".

    Calls are followed into the project's functions (by qualified name, or by name in this file)
    and methods (by name, in this file's classes and the project classes it imports:
    ``trainer.step(x, y)`` whose ``Trainer.step`` runs ``loss.backward()`` trains). Matching methods
    by name over-approximates on purpose: a loop that may train is never taken for an evaluation loop.
    """
    seen = _seen if _seen is not None else set()
    for call in syntax.calls_in(node):
        method = syntax.method_name(call)
        qualname = module.qualify(call.func)
        if method in BACKWARD_METHODS or qualname in BACKWARD_FUNCTIONS:
            return True
        for function in _callees(call, method, qualname, module):
            if id(function.node) not in seen:
                seen.add(id(function.node))
                if trains(function.node, function.module, seen):
                    return True
    return False


def _callees(call: cst.Call, method: str | None, qualname: str | None, module: ModuleInfo) -> list[FunctionInfo]:
    """The project functions a call may run, matched by name."""
    name = method if method is not None else syntax.dotted_name(call.func)
    candidates = list(module.definitions.get(name or "", ()))
    found = module.project.find_function(qualname, module) if qualname is not None else None
    if found is not None:
        candidates.append(found)
    if method is not None and not candidates:
        candidates.extend(cls.methods[method] for cls in module.imported_classes if method in cls.methods)
    return candidates


@dataclass(frozen=True)
class CarriedState:
    """A name one iteration of a loop hands the next through a call: ``out, hidden = model(x, hidden)``."""

    name: str
    call: cst.Call  # the call that receives the name and rebinds it
    assignments: int  # how often the loop body binds the name (1: nothing else, e.g. no detach, touches it)


def carried_state(loop: cst.For | cst.While) -> list[CarriedState]:
    """The state a loop body carries across iterations through calls (recurrent hidden states)."""
    assigned: dict[str, int] = {}
    carrying: list[tuple[str, cst.Call]] = []
    for statement in syntax.walk_statements(syntax.body_statements(loop.body)):
        if isinstance(statement, cst.For):
            for name in syntax.names_in(statement.target):
                assigned[name] = assigned.get(name, 0) + 1
        for small in syntax.small_statements(statement):
            targets = _bound_names(small)
            for name in targets:
                assigned[name] = assigned.get(name, 0) + 1
            if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
                passed = {name for arg in small.value.args for name in _names_passed(arg.value)}
                carrying.extend((name, small.value) for name in targets if name in passed)
    return [CarriedState(name, call, assigned.get(name, 0)) for name, call in carrying]


def carries_recurrent_state(loop: cst.For | cst.While, module: ModuleInfo, env: Env) -> bool:
    """The loop hands a model's state to the next iteration (truncated backpropagation through time):
    the order of its batches matters."""
    interpreter = interpreter_for(module)
    return any(is_model(callee) or (isinstance(callee, Instance) and callee.qualname in RECURRENT_LAYERS)
               for callee in (interpreter.value(state.call.func, env) for state in carried_state(loop)))


def _bound_names(small: cst.BaseSmallStatement) -> list[str]:
    if isinstance(small, cst.Assign):
        return [name for target in small.targets for name in _names_passed(target.target)]
    if isinstance(small, (cst.AnnAssign, cst.AugAssign)):
        return _names_passed(small.target)
    return []


def _names_passed(value: cst.BaseExpression) -> list[str]:
    """``h`` for ``h``, ``h`` and ``c`` for ``(h, c)``."""
    if isinstance(value, cst.Name):
        return [value.value]
    if isinstance(value, (cst.Tuple, cst.List)):
        return [name for element in value.elements for name in _names_passed(element.value)]
    return []


def is_module_class(cls: ClassInfo, _depth: int = 0) -> bool:
    for base in cls.base_names:
        if base.startswith(MODULE_BASE_PREFIXES):
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
