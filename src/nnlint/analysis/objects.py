"""Objects of the user's classes: methods through the class hierarchy, and what ``__init__`` stores.

``Trainer(model, loader, optimizer)`` keeps its arguments in ``self.model`` /
``self.train_data``; a rule reading ``self.model(x)`` in ``Trainer._run_batch``
needs the model that was passed. Each object built by a constructor call runs its
``__init__`` (found through the bases, in other project files too) with the
arguments of that call, so two ``Trainer`` objects keep their own models; the
generic ``self`` of a method walked on its own gets what every construction site
of the class in its file agrees on. Dataclass-like classes without ``__init__``
bind their annotated class attributes to the constructor's arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.env import Env
from nnlint.analysis.project import ClassInfo, FunctionInfo
from nnlint.analysis.values import UNKNOWN, Arguments, Instance, Mapping, Sequence, Value, join

if TYPE_CHECKING:
    from nnlint.analysis.interpreter import Interpreter

MAX_BASE_DEPTH = 5
_DATACLASS_DECORATORS = frozenset(("dataclass", "dataclasses.dataclass"))
_RECORD_BASES = frozenset(("typing.NamedTuple", "NamedTuple"))
_FIELD_FUNCTIONS = frozenset(("dataclasses.field",))


def find_method(cls: ClassInfo, name: str, depth: int = 0) -> FunctionInfo | None:
    """``name`` as ``cls`` resolves it: its own method, else the first base (project classes, any file) that has one."""
    found = cls.methods.get(name)
    if found is not None or depth >= MAX_BASE_DEPTH:
        return found
    for base in cls.base_names:
        parent = cls.module.project.find_class(base, cls.module) if base else None
        if parent is not None and (inherited := find_method(parent, name, depth + 1)) is not None:
            return inherited
    return None


def base_method(cls: ClassInfo, name: str) -> FunctionInfo | None:
    """What ``super().name`` means inside a method of ``cls``."""
    for base in cls.base_names:
        parent = cls.module.project.find_class(base, cls.module) if base else None
        if parent is not None and (found := find_method(parent, name, 1)) is not None:
            return found
    return None


def class_defaults(cls: ClassInfo, interpreter: "Interpreter") -> list[tuple[str, Value]]:
    """Annotated class attributes in order, with their defaults: the fields of a dataclass / NamedTuple
    (``interpreter`` is the one of the class's own module)."""
    found: list[tuple[str, Value]] = []
    for statement in syntax.body_statements(cls.node.body):
        for small in syntax.small_statements(statement):
            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                value = _default(small.value, cls, interpreter) if small.value is not None else UNKNOWN
                found.append((small.target.value, value))
    return found


def _default(expression: cst.BaseExpression, cls: ClassInfo, interpreter: "Interpreter") -> Value:
    """A field's default: the value written, or ``field(default=...)`` / ``field(default_factory=...)``'s."""
    if not (isinstance(expression, cst.Call) and cls.module.qualify(expression.func) in _FIELD_FUNCTIONS):
        return interpreter.value(expression, Env())
    default = syntax.keyword(expression, "default")
    if default is not None:
        return interpreter.value(default.value, Env())
    factory = syntax.keyword(expression, "default_factory")
    return interpreter.made_by(factory.value, expression) if factory is not None else UNKNOWN


def is_record_class(cls: ClassInfo) -> bool:
    decorated = any(syntax.dotted_name(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) in _DATACLASS_DECORATORS
                    for d in cls.node.decorators)
    return decorated or any(base.rsplit(".", 1)[-1] in _RECORD_BASES for base in cls.base_names)


def record_fields(cls: ClassInfo, arguments: Arguments | None, interpreter: "Interpreter") -> dict[str, Value]:
    """A dataclass / NamedTuple object's fields: defaults, replaced by the constructor's arguments."""
    fields: dict[str, Value] = {}
    for index, (name, default) in enumerate(class_defaults(cls, interpreter)):
        passed = arguments.get(index, name) if arguments is not None else UNKNOWN
        fields[name] = default if passed is None else passed
    return fields


def joined_arguments(sites: list[Arguments]) -> Arguments | None:
    """The arguments every construction site agrees on (a parameter that differs becomes UNKNOWN)."""
    if not sites:
        return None
    first = sites[0]
    if any(len(other.positional) != len(first.positional) or not other.exact for other in sites) or not first.exact:
        return Arguments((), Mapping((), complete=False), exact=False)
    positional = list(first.positional)
    keywords: Value = first.keywords
    for other in sites[1:]:
        positional = [join(a, b) for a, b in zip(positional, other.positional)]
        keywords = join(keywords, other.keywords)
    return Arguments(tuple(positional), keywords if isinstance(keywords, Mapping) else Mapping((), complete=False))


def bind_parameters(parameters: cst.Parameters, arguments: Arguments, env: Env, default: Callable[[cst.BaseExpression], Value]) -> None:
    """Call-site binding into ``env`` (of a function's or a lambda's parameters): positional, keyword, default,
    ``*args`` and ``**kwargs`` parameters."""
    named = [*parameters.posonly_params, *parameters.params]

    def value(passed: Value | None, param: cst.Param) -> Value:
        if passed is not None:
            return passed
        return default(param.default) if param.default is not None else UNKNOWN

    for index, param in enumerate(named):
        env.names[param.name.value] = value(arguments.get(index, param.name.value), param)
    for param in parameters.kwonly_params:
        env.names[param.name.value] = value(arguments.get(None, param.name.value), param)
    if isinstance(parameters.star_arg, cst.Param):
        env.names[parameters.star_arg.name.value] = Sequence(tuple(arguments.positional[len(named):])) if arguments.exact else UNKNOWN
    if isinstance(parameters.star_kwarg, cst.Param):
        taken = {param.name.value for param in (*named, *parameters.kwonly_params)}
        rest = tuple((key, item) for key, item in arguments.keywords.entries if key not in taken)
        env.names[parameters.star_kwarg.name.value] = Mapping(rest, arguments.keywords.complete)
