"""Facts about input pipelines and numbers that the data, preprocessing and numerics rules share.

- ``number``: a literal (or a name bound once to one, or simple arithmetic of those; names are
  followed through ``bindings.reaching_value``);
- loaders: the ``DataLoader`` a ``for`` loop iterates, the names its batches bind, the
  arguments of a constructor evaluated where that constructor runs;
- transforms: a torchvision pipeline (``Compose`` and its nesting) as a flat list of steps.

Everything answers ``None`` (or "not known") where it cannot be sure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.bindings import Where, reaching_value, scope_index
from nnlint.analysis.context import FileContext
from nnlint.analysis.torch_api import EVAL_WORDS, LOADERS, TRAIN_WORDS, VALUE_KEEPING_METHODS
from nnlint.analysis.values import Constant, Instance, Value
from nnlint.analysis.wrappers import unwrap_iteration

_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def same_values_root(node: cst.BaseExpression) -> str | None:
    """``x`` for ``x``, ``x.to(device)``, ``x.float().cuda()``: the tensor itself, moved or cast."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in VALUE_KEEPING_METHODS:
        node = node.func.value
    return node.value if isinstance(node, cst.Name) else None


# --- numbers ------------------------------------------------------------------------------------


def number(context: FileContext, node: cst.BaseExpression | None, where: Where | None = None, depth: int = 3) -> float | None:
    """The value of a numeric literal, of simple arithmetic on literals, or of a name bound once to one."""
    if node is None:
        return None
    if isinstance(node, (cst.Integer, cst.Float)):
        return float(node.evaluated_value)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        inner = number(context, node.expression, where, depth)
        return None if inner is None else (-inner if isinstance(node.operator, cst.Minus) else inner)
    if isinstance(node, cst.BinaryOperation):
        left, right = number(context, node.left, where, depth), number(context, node.right, where, depth)
        return None if left is None or right is None else _arithmetic(node.operator, left, right)
    if isinstance(node, cst.Name) and depth > 0:
        found = reaching_value(context.info, node.value, where)
        if found is not None:
            return number(context, found[0], found[1], depth - 1)
        if where is not None and isinstance(where[0], cst.FunctionDef) and node.value not in scope_index(context.info, where[0]).defs:
            return _module_constant(context, node.value, depth - 1)
    return None


#: what a message adds when the number is a command-line default
OVERRIDABLE_NOTE = " (the default of a command-line option: what the script uses unless told otherwise)"


def configured_number(context: FileContext, node: cst.BaseExpression) -> tuple[float, str, cst.CSTNode] | None:
    """A number the semantic model follows from configuration (a config dict, a dataclass or namespace
    field, an argparse default, a helper's parameter), with the note a message adds for a command-line
    default, and where the fix goes: the literal that sets it when that is in this file, else ``node``."""
    value = context.value(node)
    if not isinstance(value, Constant) or isinstance(value.value, bool) or not isinstance(value.value, (int, float)):
        return None
    origin = value.origin
    here = origin is not None and context.positions.range_of(origin) is not None
    return float(value.value), OVERRIDABLE_NOTE if value.overridable else "", origin if here and origin is not None else node


def _arithmetic(operator: cst.BaseBinaryOp, left: float, right: float) -> float | None:
    try:
        if isinstance(operator, cst.Add):
            return left + right
        if isinstance(operator, cst.Subtract):
            return left - right
        if isinstance(operator, cst.Multiply):
            return left * right
        if isinstance(operator, cst.Divide):
            return left / right
        if isinstance(operator, cst.Power):
            result = left**right
            return result if isinstance(result, float | int) else None
    except (ZeroDivisionError, OverflowError):
        return None
    return None


def _module_constant(context: FileContext, name: str, depth: int) -> float | None:
    """A module-level name assigned exactly once, to a number, and declared global nowhere."""
    index = scope_index(context.info, context.module)
    defs = index.defs.get(name, [])
    if len(defs) != 1 or defs[0].value is None or name in index.mutations or f"global {name}" in context.text:
        return None
    return number(context, defs[0].value, (context.module, defs[0].statement), depth)


def literal_string(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def words(text: str) -> set[str]:
    """``val_loader`` -> {val, loader}; ``testSet`` -> {test, set}; ``data/val2017`` -> {data, val, 2017}."""
    return {word.lower() for word in _WORD.findall(text)}


def name_words(node: cst.CSTNode) -> set[str]:
    """The words of every identifier and string inside ``node``."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            found |= words(current.value)
        elif isinstance(current, cst.SimpleString) and isinstance(current.evaluated_value, str):
            found |= words(current.evaluated_value)
        else:
            stack.extend(syntax.children(current))
    return found


# --- loaders ------------------------------------------------------------------------------------


def loader_of(context: FileContext, expression: cst.BaseExpression) -> Instance | None:
    """The DataLoader a ``for`` loop iterates: ``loader``, ``enumerate(loader)``, ``tqdm(loader)``."""
    value = context.value(unwrap_iteration(context, expression))
    return value if isinstance(value, Instance) and value.qualname in LOADERS and value.call is not None else None


def batch_names(loop: cst.For) -> list[str] | None:
    """The names one batch is unpacked into: ``for x, y in ...`` / ``for i, (x, y) in enumerate(...)``."""
    target: cst.BaseExpression = loop.target
    if isinstance(loop.iter, cst.Call) and syntax.dotted_name(loop.iter.func) == "enumerate":
        if not isinstance(target, (cst.Tuple, cst.List)) or len(target.elements) != 2:
            return None
        target = target.elements[1].value
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)) and all(isinstance(e.value, cst.Name) for e in target.elements):
        return [e.value.value for e in target.elements]  # type: ignore[attr-defined]
    return None


def built_at(context: FileContext, instance: Instance) -> Where | None:
    """Where the constructor of ``instance`` runs, when that is in this file."""
    if instance.call is None or instance.module_key != context.info.key:
        return None
    site = context.interpreter.calls.by_call.get(id(instance.call))
    return (site[0], site[1]) if site is not None else None


def constructor_argument(context: FileContext, instance: Instance, position: int | None, name: str) -> tuple[cst.BaseExpression, Where] | None:
    """An argument of the constructor call of ``instance`` (built in this file) and where it is evaluated."""
    where = built_at(context, instance)
    if where is None or instance.call is None or syntax.has_star_args(instance.call):
        return None
    if position is None:
        found = syntax.keyword(instance.call, name)
        expression = found.value if found is not None else None
    else:
        expression = syntax.argument(instance.call, position, name)
    return (expression, where) if expression is not None else None


def value_at(context: FileContext, expression: cst.BaseExpression, where: Where) -> Value:
    interpreter = context.interpreter
    return interpreter.value(expression, interpreter.env_before(where[1], where[0]))


def loader_dataset(context: FileContext, loader: Instance) -> Instance | None:
    found = constructor_argument(context, loader, 0, "dataset")
    if found is None:
        return None
    value = value_at(context, *found)
    return value if isinstance(value, Instance) else None


def calls_before(body: cst.CSTNode, stop: cst.CSTNode) -> Iterator[cst.Call]:
    """The calls of ``body`` in source order, up to (not into) ``stop``."""
    for call in syntax.calls_in(body):
        if call is stop:
            return
        yield call


_ZOO_BATCHNORM = ("resnet", "resnext", "wide_resnet", "densenet", "mobilenet", "efficientnet", "regnet", "inception", "googlenet",
                  "shufflenet", "mnasnet")


def zoo_batchnorm(qualname: str) -> list[str]:
    """``["BatchNorm2d"]`` for torchvision classifiers built with BatchNorm (ResNet, DenseNet, MobileNet, VGG-BN...)."""
    if not qualname.startswith("torchvision.models."):
        return []
    name = qualname.rsplit(".", 1)[-1]
    return ["BatchNorm2d"] if name.startswith(_ZOO_BATCHNORM) or (name.startswith("vgg") and name.endswith("_bn")) else []


# --- torchvision transforms ----------------------------------------------------------------------

_COMPOSE = frozenset(("Compose",))


@dataclass(frozen=True)
class Step:
    """One transform of a pipeline: its torchvision name (``RandomCrop``) or None when not known."""

    name: str | None
    node: cst.CSTNode  # the expression in the pipeline's list (reported on)
    call: cst.Call | None  # its constructor call, when known and in this file


def transform_name(qualname: str | None) -> str | None:
    if qualname is None or not qualname.startswith("torchvision.transforms."):
        return None
    return qualname.rsplit(".", 1)[-1]


def pipeline(context: FileContext, expression: cst.BaseExpression, where: Where, depth: int = 0) -> list[Step]:
    """The steps of the pipeline ``expression`` holds, flattened through nested ``Compose``; unknown steps have ``name=None``."""
    value = value_at(context, expression, where)
    instance = value if isinstance(value, Instance) else None
    name = transform_name(instance.qualname if instance else None)
    if instance is None or name is None or depth > 4:
        return [Step(None, expression, None)]
    if name not in _COMPOSE:
        return [Step(name, expression, instance.call if built_at(context, instance) else None)]
    items = constructor_argument(context, instance, 0, "transforms")
    if items is None or not isinstance(items[0], (cst.List, cst.Tuple)):
        return [Step(None, expression, None)]
    steps: list[Step] = []
    for element in items[0].elements:
        if isinstance(element, cst.StarredElement):
            steps.append(Step(None, element, None))
        else:
            steps.extend(pipeline(context, element.value, items[1], depth + 1))
    return steps


def dataset_pipeline(context: FileContext, dataset: Instance) -> list[Step] | None:
    """The ``transform=`` pipeline of a torchvision dataset built in this file (its samples start as PIL images)."""
    if not dataset.qualname.startswith("torchvision.datasets."):
        return None
    found = constructor_argument(context, dataset, None, "transform")
    return pipeline(context, *found) if found is not None else None


def scales_to_unit(step: Step, context: FileContext) -> bool:
    """``ToTensor()``, ``ToDtype(..., scale=True)``, ``ConvertImageDtype(torch.float)``: uint8 [0, 255] -> float [0, 1]."""
    if step.name == "ToTensor":
        return True
    if step.call is None:
        return False
    if step.name == "ToDtype":
        return syntax.literal_bool(getattr(syntax.keyword(step.call, "scale"), "value", None)) is True
    if step.name == "ConvertImageDtype":
        dtype = context.qualify(syntax.argument(step.call, 0, "dtype") or cst.Name("_"))
        return dtype in ("torch.float", "torch.float32", "torch.float16", "torch.float64", "torch.double", "torch.half", "torch.bfloat16")
    return False


def is_eval_name(found: set[str]) -> bool:
    return bool(found & EVAL_WORDS) and not found & TRAIN_WORDS
