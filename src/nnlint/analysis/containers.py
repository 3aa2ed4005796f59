"""Literals and containers as values: ``{"batch_size": 64, **base}``, ``a, b = f()``, ``cfg["lr"]``.

Training scripts route their settings through dicts (``train_kwargs``), tuples
returned from helpers and keyword expansion at call sites. These functions turn
such expressions into ``Constant`` / ``Sequence`` / ``Mapping`` values for the
interpreter (which passes its own ``evaluate``), and read them back by constant
index or key. A part that is not known stays UNKNOWN, and so does anything read
from it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

import libcst as cst

from nnlint.analysis.values import UNKNOWN, Arguments, Choice, ClassRef, Constant, Instance, Mapping, Sequence, Value, join

NAMESPACE = "argparse.Namespace"
#: objects whose attributes are the keywords they were built with (``SimpleNamespace(lr=0.1).lr``)
NAMESPACES = frozenset((NAMESPACE, "types.SimpleNamespace"))

Evaluate = Callable[[cst.BaseExpression], Value]

_NAMED_CONSTANTS = {"True": True, "False": False, "None": None}
_ARITHMETIC: dict[type, Callable[[float, float], float]] = {
    cst.Add: operator.add, cst.Subtract: operator.sub, cst.Multiply: operator.mul, cst.Divide: operator.truediv,
    cst.Power: operator.pow, cst.FloorDivide: operator.floordiv,
}


def named_constant(name: str) -> Value | None:
    return Constant(_NAMED_CONSTANTS[name]) if name in _NAMED_CONSTANTS else None


def literal(node: cst.BaseExpression, evaluate: Evaluate) -> Value | None:
    """The value of a literal, container display or arithmetic on constants; None for other expressions."""
    if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString)):
        return Constant(node.evaluated_value, origin=node)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        inner = evaluate(node.expression)
        if isinstance(inner, Constant) and isinstance(inner.value, (int, float)) and not isinstance(inner.value, bool):
            return Constant(-inner.value if isinstance(node.operator, cst.Minus) else inner.value, inner.overridable, node)
        return UNKNOWN
    if isinstance(node, cst.BinaryOperation):
        return _arithmetic(node, evaluate)
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1 and isinstance(node.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
        left, right = evaluate(node.left), evaluate(node.comparisons[0].comparator)
        if not (isinstance(left, Constant) and isinstance(right, Constant)):
            return UNKNOWN
        equal = left.value == right.value
        return Constant(equal if isinstance(node.comparisons[0].operator, cst.Equal) else not equal, left.overridable or right.overridable)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
        inner = evaluate(node.expression)
        return Constant(not inner.value, inner.overridable) if isinstance(inner, Constant) and isinstance(inner.value, bool) else UNKNOWN
    if isinstance(node, (cst.Tuple, cst.List)):
        if any(isinstance(element, cst.StarredElement) for element in node.elements):
            return UNKNOWN
        return Sequence(tuple(evaluate(element.value) for element in node.elements), origin=node)
    if isinstance(node, cst.Dict):
        return _dict(node, evaluate)
    if isinstance(node, cst.ListComp):
        return Sequence((), complete=False, origin=node)
    if isinstance(node, cst.IfExp):
        return join(evaluate(node.body), evaluate(node.orelse))
    return None


def _arithmetic(node: cst.BinaryOperation, evaluate: Evaluate) -> Value:
    left, right = evaluate(node.left), evaluate(node.right)
    if isinstance(node.operator, cst.Add) and isinstance(left, Sequence) and isinstance(right, Sequence):
        return Sequence((*left.items, *right.items), left.complete and right.complete, left.origin) if left.complete else Sequence((), False, left.origin)
    function = _ARITHMETIC.get(type(node.operator))
    if function is None or not (isinstance(left, Constant) and isinstance(right, Constant)):
        return UNKNOWN
    if not all(isinstance(v.value, (int, float)) and not isinstance(v.value, bool) for v in (left, right)):
        return UNKNOWN
    try:
        result = function(left.value, right.value)  # type: ignore[arg-type]
    except (ArithmeticError, ValueError):
        return UNKNOWN
    return Constant(result, left.overridable or right.overridable) if isinstance(result, (int, float)) else UNKNOWN


def _dict(node: cst.Dict, evaluate: Evaluate) -> Value:
    mapping = Mapping(())
    for element in node.elements:
        if not isinstance(element, cst.DictElement):  # ``**other``
            inner = evaluate(element.value)
            mapping = mapping.merged(inner if isinstance(inner, Mapping) else Mapping((), complete=False))
            continue
        key = evaluate(element.key)
        if not isinstance(key, Constant):
            mapping = mapping.merged(Mapping((), complete=False))
            continue
        mapping = mapping.merged(Mapping(((key.value, evaluate(element.value)),)))
    return mapping


def subscript(container: Value, key: Value) -> Value:
    """``container[key]`` with a constant key; UNKNOWN otherwise (a missing key raises: nothing is known)."""
    if not isinstance(key, Constant):
        if isinstance(container, Mapping) and container.complete and container.entries:  # a registry: any of its entries
            options = tuple(value for _, value in container.entries)
            return UNKNOWN if any(option is UNKNOWN for option in options) else Choice(options)
        return UNKNOWN
    if isinstance(container, Mapping):
        found = container.get(key.value)
        return UNKNOWN if found is None else found
    if isinstance(container, Sequence) and container.complete and isinstance(key.value, int) and not isinstance(key.value, bool):
        index = key.value
        return container.items[index] if -len(container.items) <= index < len(container.items) else UNKNOWN
    return UNKNOWN


def mapping_method(mapping: Mapping, method: str, arguments: Arguments) -> tuple[Value, Mapping | None]:
    """(result, the dict after the call when the call changes it) for ``d.get/copy/update/setdefault/pop``."""
    first = arguments.positional[0] if arguments.positional else None
    if method == "get" and isinstance(first, Constant):
        found = mapping.get(first.value)
        default = arguments.positional[1] if len(arguments.positional) > 1 else Constant(None)
        return (default if found is None else found), None
    if method == "copy" and first is None:
        return mapping, None
    if method == "update":
        other = first if isinstance(first, Mapping) else Mapping((), complete=first is None)
        return Constant(None), mapping.merged(other).merged(arguments.keywords)
    if method == "setdefault" and isinstance(first, Constant):
        found = mapping.get(first.value)
        default = arguments.positional[1] if len(arguments.positional) > 1 else Constant(None)
        return (default, mapping.merged(Mapping(((first.value, default),)))) if found is None else (found, None)
    return UNKNOWN, None if method in ("keys", "values", "items", "__getitem__") else Mapping((), complete=False)


def unpack(value: Value, count: int) -> list[Value]:
    """The values ``a, b = value`` binds, for a sequence of exactly ``count`` known elements."""
    if isinstance(value, Sequence) and value.complete and len(value.items) == count:
        return list(value.items)
    return [UNKNOWN] * count


def call_arguments(node: cst.Call, evaluate: Evaluate) -> Arguments:
    """What a call passes, with ``*args`` / ``**kwargs`` expanded where their values are known."""
    positional: list[Value] = []
    keywords = Mapping(())
    exact = True
    for arg in node.args:
        value = evaluate(arg.value)
        if arg.star == "**":
            keywords = keywords.merged(value if isinstance(value, Mapping) else Mapping((), complete=False))
        elif arg.star == "*":
            if isinstance(value, Sequence) and value.complete and exact:
                positional.extend(value.items)
            else:
                exact = False
        elif arg.keyword is not None:
            keywords = keywords.merged(Mapping(((arg.keyword.value, value),)))
        elif exact:
            positional.append(value)
    return Arguments(tuple(positional), keywords, exact)


def builtin_call(name: str, node: cst.Call, evaluate: Evaluate, member: Callable[[Value, str], Value],
                 qualify: Callable[[cst.BaseExpression], str | None]) -> Value | None:
    """``dict(...)``, ``vars(namespace)``, ``getattr(obj, "name")``; None for other names."""
    if name == "dict":
        arguments = call_arguments(node, evaluate)
        first = arguments.positional[0] if arguments.positional else Mapping(())
        base = first if isinstance(first, Mapping) and len(arguments.positional) <= 1 else Mapping((), False)
        return base.merged(arguments.keywords)
    if name == "vars" and len(node.args) == 1:
        owner = evaluate(node.args[0].value)
        keywords = owner.arguments.keywords if isinstance(owner, Instance) and owner.arguments is not None else None
        return keywords if keywords is not None and owner.qualname in NAMESPACES else UNKNOWN  # type: ignore[union-attr]
    if name == "getattr" and len(node.args) == 2:
        attribute = evaluate(node.args[1].value)
        if isinstance(attribute, Constant) and isinstance(attribute.value, str):
            library = qualify(node.args[0].value)  # getattr(nn, "NLLLoss")
            return reference(f"{library}.{attribute.value}") or UNKNOWN if library else member(evaluate(node.args[0].value), attribute.value)
        return UNKNOWN
    return None


def reference(qualname: str | None) -> Value | None:
    """A class or model factory named by ``qualname`` (``torch.nn.NLLLoss``, ``torchvision.models.resnet18``); None for other names."""
    if qualname is None:
        return None
    last = qualname.rsplit(".", 1)[-1]
    return ClassRef(qualname) if last[:1].isupper() or qualname.startswith("torchvision.models.") else None


def module_dict_entry(node: cst.Subscript, key: Value, qualify: Callable[[cst.BaseExpression], str | None]) -> Value | None:
    """``models.__dict__["resnet18"]``: the name in that library; None when ``node`` is no such subscript."""
    owner = node.value
    if not (isinstance(owner, cst.Attribute) and owner.attr.value == "__dict__"):
        return None
    library = qualify(owner.value)
    if library is None or not (isinstance(key, Constant) and isinstance(key.value, str)):
        return UNKNOWN if library is not None else None
    return reference(f"{library}.{key.value}") or UNKNOWN
