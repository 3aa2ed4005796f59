"""What the loss rules share: which call is a loss, and what a tensor went through last.

``loss_call`` recognises ``nn.CrossEntropyLoss()(...)``, ``F.cross_entropy(...)``
and the BCE pair, whatever the loss object is named. ``final_steps`` reads an
expression backwards — through names assigned in straight-line code, tensor
methods, functional activations, layer objects, ``nn.Sequential`` and the
``forward()`` of the project's modules — until the layer that makes the scores
(a ``Linear``/``Conv``) or the point where nothing more is known. Rules ask
"is the last thing a ReLU?", "how many outputs has the head?" of that chain.
Names are followed through the model's bindings (``bindings.reaching_value``): a
name assigned in a branch, a loop's earlier iteration or a comprehension, or
changed in place since, is not followed: the chain then just ends (unknown), and
rules stay silent. A model whose layers were replaced from outside on this path
(``model.fc = ...``, what the interpreter's state says) computes something not known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.bindings import Where, here, reaching_value, scope_index
from nnlint.analysis.context import FileContext
from nnlint.analysis.env import Env
from nnlint.analysis.interpreter import interpreter_for
from nnlint.analysis.project import ModuleInfo
from nnlint.analysis.training import is_model
from nnlint.analysis.torch_api import (
    ACTIVATIONS,
    CLASSIFICATION_LOSSES,
    DROPOUT_FUNCTIONS,
    LAYER_OUTPUTS,
    LOADERS,
    LOGIT_LAYERS,
    NEUTRAL_METHODS,
    PASSTHROUGH_LAYERS,
    RESHAPE_METHODS,
    ROW_LAYERS,
    SIZE_ONLY_FACTORIES,
)
from nnlint.analysis.values import UNKNOWN, Constant, Instance, Kind, Tensor, Value, is_classifier_factory, short
from nnlint.analysis.wrappers import iterated

_NESTED = (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_MAX_STEPS = 40
#: the op of a step where a model whose layers are replaced from outside is called
PATCHED = "<patched model>"


@dataclass(frozen=True)
class LossCall:
    family: str  # CROSS_ENTROPY, BCE or BCE_WITH_LOGITS
    shown: str  # how messages name it
    input: cst.BaseExpression | None
    constructor: cst.Call | None  # the loss object's constructor call, when it is in this file


def loss_call(context: FileContext, node: cst.Call) -> LossCall | None:
    """The loss ``node`` computes, if it is one of the cross-entropy family (memoised: several rules ask)."""
    memo: dict[int, LossCall | None] = context.__dict__.setdefault("_loss_calls", {})
    if id(node) not in memo:
        memo[id(node)] = _loss_call(context, node)
    return memo[id(node)]


def _loss_call(context: FileContext, node: cst.Call) -> LossCall | None:
    qualname = context.qualify(node.func)
    constructor = None
    if qualname not in CLASSIFICATION_LOSSES:
        if qualname is not None or not isinstance(node.func, (cst.Name, cst.Attribute, cst.Call)):
            return None
        callee = context.value(node.func)
        if not isinstance(callee, Instance) or callee.qualname not in CLASSIFICATION_LOSSES:
            return None
        qualname = callee.qualname
        constructor = callee.call if callee.module_key == context.info.key else None
    family, shown = CLASSIFICATION_LOSSES[qualname]
    return LossCall(family, shown, syntax.argument(node, 0, "input"), constructor)


def models_trained_with(context: FileContext, families: frozenset[str]) -> frozenset[Instance]:
    """The models whose output some call of this file feeds to a loss of ``families`` (``model(x)``, also through
    ``torch.sigmoid(...)``, a view or a name), the loss named or an object wherever it was built. Once per file."""
    memo: dict[frozenset[str], frozenset[Instance]] = context.__dict__.setdefault("_trained_with", {})
    if families not in memo:
        interpreter = context.interpreter
        found: set[Instance] = set()
        for scope, statement, call in interpreter.calls.by_call.values():
            env = interpreter.env_before(statement, scope)
            qualname = context.qualify(call.func)
            if qualname is None and isinstance(call.func, (cst.Name, cst.Attribute, cst.Call)):  # criterion(...), nn.BCELoss()(...)
                callee = interpreter.value(call.func, env)
                qualname = callee.qualname if isinstance(callee, Instance) else None
            prediction = syntax.argument(call, 0, "input")
            if qualname not in CLASSIFICATION_LOSSES or CLASSIFICATION_LOSSES[qualname][0] not in families or prediction is None:
                continue
            reader = _Reader(context.info, lambda node, env=env: interpreter.value(node, env), _patched(env))
            steps: list[Step] = []
            _walk(prediction, (scope, statement), reader, steps, 0)
            found.update(step.model for step in steps if step.model is not None)
        memo[families] = frozenset(found)
    return memo[families]


# --- what a tensor went through last -------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One operation on the way back from a value: a layer, a function, a tensor method or a model call."""

    op: str  # "torch.nn.ReLU", "torch.sigmoid", ".view", or a model's qualified name
    node: cst.Call  # the layer's constructor call, or the call that applies it
    module_key: str
    container: cst.Call | None = None  # the nn.Sequential(...) call that lists this layer
    model: Instance | None = None  # set on the step of calling a whole model

    @property
    def activation(self) -> str | None:
        return ACTIVATIONS.get(self.op)

    @property
    def neutral(self) -> bool:
        return self.op in PASSTHROUGH_LAYERS or self.op in DROPOUT_FUNCTIONS or (self.op.startswith(".") and self.op[1:] in NEUTRAL_METHODS)

    @property
    def reshape(self) -> bool:
        return self.op.startswith(".") and self.op[1:] in RESHAPE_METHODS

    @property
    def makes_scores(self) -> bool:
        return self.op in LOGIT_LAYERS or is_classifier_factory(self.op)


@dataclass(frozen=True)
class _Reader:
    """How to read callees in one function or module (names are read through its bindings)."""

    module: ModuleInfo
    value: Callable[[cst.BaseExpression], Value]
    patched: frozenset[Instance] = frozenset()  # objects given attributes after construction (``model.fc = ...``)


def final_steps(context: FileContext, expression: cst.BaseExpression) -> list[Step]:
    """The operations ``expression`` went through, last first, as far as they are known."""
    steps: list[Step] = []
    nested = any(isinstance(node, _NESTED) for node in context.ancestors)  # a comprehension's own names are not the scope's
    _walk(expression, None if nested else here(context), _Reader(context.info, context.value, _patched(context.env())), steps, 0)
    return steps


def _patched(env: Env) -> frozenset[Instance]:
    """The objects given a layer (or anything but a number or tensor) after they were built, on this path."""
    return frozenset(owner for (owner, _), value in env.fields.items() if not isinstance(value, (Constant, Tensor)))


def first_real_step(steps: list[Step], skip_reshapes: bool = False) -> Step | None:
    """The first step that changes values (model calls, dropout, identity, dtype/device moves skipped)."""
    for step in steps:
        if step.model is not None or step.neutral or (skip_reshapes and step.reshape):
            continue
        return step
    return None


def model_step(steps: list[Step], skip_reshapes: bool = False) -> Step | None:
    """The call of a whole model, when the value is that model's output (up to dtype/device moves)."""
    for step in steps:
        if step.neutral or (skip_reshapes and step.reshape):
            continue
        return step if step.model is not None else None
    return None


def _walk(expression: cst.BaseExpression, where: Where | None, reader: _Reader, steps: list[Step], depth: int) -> None:
    """Append what ``expression`` (read just before the statement ``where``) went through."""
    while len(steps) < _MAX_STEPS and depth < 6:
        if isinstance(expression, cst.Name):
            found = reaching_value(reader.module, expression.value, where)
            if found is None:
                return
            expression, where = found
            continue
        if isinstance(expression, cst.Attribute) and expression.attr.value == "data":
            expression = expression.value
            continue
        if not isinstance(expression, cst.Call) or syntax.has_star_args(expression):
            return
        key = reader.module.key
        qualname = reader.module.qualify(expression.func)
        if qualname in ACTIVATIONS or qualname in DROPOUT_FUNCTIONS:
            steps.append(Step(qualname, expression, key))
            argument = syntax.argument(expression, 0, "input")
            if argument is None:
                return
            expression = argument
            continue
        callee = reader.value(expression.func) if qualname is None else UNKNOWN
        if isinstance(callee, Instance) and callee in reader.patched:
            steps.append(Step(PATCHED, expression, key))  # what this model computes is not known
            return
        if isinstance(callee, Instance):
            if not _instance(callee, expression, reader, steps, depth):
                return
            argument = syntax.argument(expression, 0)
            if argument is None:
                return
            expression = argument
            continue
        method = syntax.method_name(expression) if qualname is None else None
        if method is not None and (f".{method}" in ACTIVATIONS or method in NEUTRAL_METHODS or method in RESHAPE_METHODS):
            steps.append(Step(f".{method}", expression, key))
            assert isinstance(expression.func, cst.Attribute)
            expression = expression.func.value
            continue
        return


def _instance(instance: Instance, call: cst.Call, reader: _Reader, steps: list[Step], depth: int) -> bool:
    """Add what calling ``instance`` does; True when the walk goes on with the call's argument."""
    if instance.qualname in ACTIVATIONS or instance.qualname in PASSTHROUGH_LAYERS:
        if instance.call is not None:
            steps.append(Step(instance.qualname, instance.call, instance.module_key))
        return instance.call is not None
    if instance.qualname in LOGIT_LAYERS and instance.call is not None:
        steps.append(Step(instance.qualname, instance.call, instance.module_key))
        return False
    if is_model(instance):
        steps.append(Step(instance.qualname, call, reader.module.key, model=instance))
    _inside(instance, steps, depth + 1)
    return False


def _inside(instance: Instance, steps: list[Step], depth: int) -> None:
    """The steps inside a module object: its Sequential layers, or its forward's return value."""
    if is_classifier_factory(instance.qualname) and instance.call is not None:
        steps.append(Step(instance.qualname, instance.call, instance.module_key))
    elif instance.qualname == "torch.nn.Sequential" and instance.layers and instance.call is not None:
        for layer in reversed(instance.layers):
            if not isinstance(layer, Instance) or layer.call is None:
                return
            if layer.qualname in ACTIVATIONS or layer.qualname in PASSTHROUGH_LAYERS or layer.qualname in LOGIT_LAYERS:
                steps.append(Step(layer.qualname, layer.call, layer.module_key, container=instance.call))
                if layer.qualname in LOGIT_LAYERS:
                    return
                continue
            if depth < 6:
                _inside(layer, steps, depth + 1)
            return
    elif instance.cls is not None and depth < 6:
        _forward(instance, steps, depth)


def _forward(instance: Instance, steps: list[Step], depth: int) -> None:
    assert instance.cls is not None
    forward = instance.cls.methods.get("forward")
    if forward is None or not forward.params:
        return
    body = syntax.body_statements(forward.node.body)
    returns = [small for statement in syntax.walk_statements(body) for small in syntax.small_statements(statement) if isinstance(small, cst.Return)]
    last = syntax.small_statements(body[-1]) if body else []
    if len(returns) != 1 or not last or last[-1] is not returns[0] or returns[0].value is None:
        return  # one return, at the end of forward, or nothing is known
    module = instance.cls.module
    env = Env({forward.params[0]: instance})
    reader = _Reader(module, lambda node: interpreter_for(module).evaluate(node, env.copy()))
    _walk(returns[0].value, (forward.node, body[-1]), reader, steps, depth)


# --- loops over batches --------------------------------------------------------------------------


def in_loader_loop(context: FileContext) -> bool:
    """The innermost ``for`` around this point iterates a DataLoader (``enumerate``/``tqdm`` of one included)."""
    loop = context.enclosing(cst.For, cst.FunctionDef, cst.ClassDef)
    if not isinstance(loop, cst.For):
        return False
    iterable = loop.iter
    value = iterated(context, iterable, context.interpreter.env_before(loop, context.scope()))
    if not isinstance(value, Instance) or value.qualname not in LOADERS or value.call is None:
        return False
    batch_size = syntax.keyword(value.call, "batch_size")
    return not (batch_size is not None and isinstance(batch_size.value, cst.Name) and batch_size.value.value == "None")  # no batching


def batched_input(context: FileContext, step: Step) -> bool:
    """The model of ``step`` (called in this file) is an ``nn.Sequential`` starting with a ``Linear`` and is given
    a tensor made here with two sizes (``x = torch.randn(1000, 8)``): rows of features, so dim 0 of the output is
    the batch. (Other ranks stay unknown: ``(3, 32, 32)`` may be one unbatched image, ``(C, L)`` one sequence.)"""
    model, call = step.model, step.node
    first = model.layers[0] if model is not None and model.qualname == "torch.nn.Sequential" and model.layers else None
    if not isinstance(first, Instance) or first.qualname not in ROW_LAYERS or step.module_key != context.info.key:
        return False
    site = context.interpreter.calls.by_call.get(id(call))
    argument = syntax.argument(call, 0) if site is not None else None
    where: Where | None = (site[0], site[1]) if site is not None else None
    for _ in range(4):
        if not isinstance(argument, cst.Name):
            break
        found = reaching_value(context.info, argument.value, where)
        argument, where = found if found is not None else (None, None)
    if not isinstance(argument, cst.Call) or context.qualify(argument.func) not in SIZE_ONLY_FACTORIES or syntax.has_star_args(argument):
        return False
    sizes = [arg for arg in argument.args if arg.keyword is None]
    return len(sizes) == 2 or (len(sizes) == 1 and isinstance(sizes[0].value, (cst.Tuple, cst.List)) and len(sizes[0].value.elements) == 2)


# --- the head ----------------------------------------------------------------------------------------

def head_step(steps: list[Step]) -> Step | None:
    """The scoring layer the value comes from, when only element-wise operations follow it."""
    for step in steps:
        if step.model is not None or step.neutral or step.activation is not None:
            continue
        return step if step.makes_scores else None
    return None


def head_outputs(step: Step) -> int | None:
    """The literal number of outputs (features, channels, classes) of a scoring layer's constructor call."""
    where = LAYER_OUTPUTS.get(step.op)
    if where is not None:
        found = syntax.argument(step.node, *where)
    else:
        found = getattr(syntax.keyword(step.node, "num_classes"), "value", None)
    return found.evaluated_value if isinstance(found, cst.Integer) else None


def functional_alias(context: FileContext) -> str | None:
    """How this file can spell ``torch.nn.functional`` with a name imported at module level (``F``, ``torch.nn.functional``)."""
    top = {name for statement in context.module.body for small in syntax.small_statements(statement) for name in _imported_names(small)}
    spellings = {"torch.nn.functional": "", "torch.nn": ".functional", "torch": ".nn.functional"}
    found = sorted((list(spellings).index(target), local + spellings[target])
                   for local, target in context.info.imports.aliases.items() if target in spellings and local in top)
    return found[0][1] if found else None


_STEP_KINDS = {"softmax": Kind.PROBS, "log_softmax": Kind.LOG_PROBS, "sigmoid": Kind.SIGMOID}


def _imported_names(small: cst.BaseSmallStatement) -> set[str]:
    """The names an import statement binds (``torch`` for ``import torch.nn``, ``F`` for ``... as F``)."""
    if isinstance(small, cst.Import):
        return {(syntax.dotted_name(a.asname.name) if a.asname else (syntax.dotted_name(a.name) or "").split(".")[0]) or "" for a in small.names}  # type: ignore[arg-type]
    if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
        return {syntax.dotted_name(a.asname.name if a.asname else a.name) or "" for a in small.names}  # type: ignore[arg-type]
    return set()


def kind_of(context: FileContext, expression: cst.BaseExpression) -> Tensor | None:
    """What ``expression`` holds: the interpreter's answer, else the activation it went through last
    (``x.softmax(1)`` on a tensor the interpreter knows nothing about)."""
    value = context.value(expression)
    if value is not UNKNOWN and not isinstance(value, Tensor):
        return None
    steps = final_steps(context, expression)
    if any(step.op == PATCHED for step in steps):
        return None
    if not isinstance(value, Tensor):
        step = first_real_step(steps, skip_reshapes=True)
        if step is None or step.activation not in _STEP_KINDS:
            return None
        value = Tensor(_STEP_KINDS[step.activation], f"{step.op}()" if step.op.startswith(".") else short(step.op))
    base = expression
    while isinstance(base, cst.Call) and isinstance(base.func, cst.Attribute) and base.func.attr.value in NEUTRAL_METHODS | RESHAPE_METHODS:
        base = base.func.value
    changed = isinstance(base, cst.Name) and scope_index(context.info, context.scope()).changed_in_place(base.value)
    return None if changed else value


# --- predictions -----------------------------------------------------------------------------------


def compared_in_loop(context: FileContext, name: str) -> bool:
    """``name`` is compared for equality (``name == y``, ``name.eq(y)``) in the innermost loop: used as predictions."""
    loop = context.enclosing(cst.For)
    stack: list[cst.CSTNode] = [loop.body] if isinstance(loop, cst.For) else []
    while stack:
        current = stack.pop()
        if compares(current, lambda operand: _base_of(operand) == name):
            return True
        stack.extend(syntax.children(current))
    return False


def compares(node: cst.CSTNode | None, is_operand: Callable[[cst.BaseExpression], bool]) -> bool:
    """``a == b`` / ``a != b`` / ``a.eq(b)`` with an operand ``is_operand`` accepts."""
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1 and isinstance(node.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
        return is_operand(node.left) or is_operand(node.comparisons[0].comparator)
    if isinstance(node, cst.Call) and syntax.method_name(node) in ("eq", "ne") and isinstance(node.func, cst.Attribute):
        return is_operand(node.func.value) or any(is_operand(arg.value) for arg in node.args)
    return False


def _base_of(expression: cst.BaseExpression) -> str | None:
    """``pred`` in ``pred``, ``pred.cpu()``, ``pred.view(-1)``."""
    while isinstance(expression, (cst.Call, cst.Attribute)):
        expression = expression.func if isinstance(expression, cst.Call) else expression.value
    return expression.value if isinstance(expression, cst.Name) else None
