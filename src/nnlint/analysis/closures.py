"""Functions as values: what a nested function or a lambda sees, and what its callers pass it.

``make_criterion()`` builds ``ce = nn.CrossEntropyLoss()`` and returns ``def criterion(logits, y):
return ce(...)``; ``make_aux_loss()`` returns ``lambda logits, y: F.nll_loss(logits, y)``. Such
functions are called through a parameter (``loss_fn(logits, y)`` in engine.py), never by their own
name, so their parameters cannot come from call sites found by name. Every call through a value is
remembered by the project index, keyed by the function's file and code (which survive a re-parse of
that file), and the body is judged with the arguments all remembered calls agree on.

Closures bind early: a nested function sees the enclosing function's names as they were at its
``def``, except the names that function binds more than once (late binding might see another value),
which are unknown; a lambda sees the names as they are where it is written.
"""

from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.env import Env
from nnlint.analysis.project import ModuleInfo
from nnlint.analysis.values import UNKNOWN, Arguments, Value

Callable = cst.FunctionDef | cst.Lambda


def closure(enclosing: cst.FunctionDef, env: Env) -> dict[str, Value]:
    """The enclosing function's names for a function defined in it where ``env`` holds."""
    return {name: env.names.get(name, UNKNOWN) if count == 1 else UNKNOWN for name, count in binding_counts(enclosing).items()}


def binding_counts(function: cst.FunctionDef) -> dict[str, int]:
    """How many times ``function`` binds each of its local names (parameters once; nested blocks included, nested bodies not)."""
    parameters = function.params
    counts: dict[str, int] = {}
    for param in (*parameters.posonly_params, *parameters.params, *parameters.kwonly_params, parameters.star_arg, parameters.star_kwarg):
        if isinstance(param, cst.Param):
            counts[param.name.value] = counts.get(param.name.value, 0) + 1
    for statement in syntax.walk_statements(syntax.body_statements(function.body)):
        for name in _bound_by(statement):
            counts[name] = counts.get(name, 0) + 1
    return counts


def _bound_by(statement: cst.BaseStatement) -> list[str]:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return [statement.name.value]
    if isinstance(statement, cst.For):
        return _targets(statement.target)
    if isinstance(statement, cst.With):
        return [name for item in statement.items if item.asname is not None for name in _targets(item.asname.name)]
    found: list[str] = []
    for small in syntax.small_statements(statement):
        if isinstance(small, cst.Assign):
            found.extend(name for target in small.targets for name in _targets(target.target))
        elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
            found.extend(_targets(small.target))
        elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
            found.extend(syntax.dotted_name(alias.asname.name if alias.asname else alias.name) or "" for alias in small.names)
    return found


def _targets(target: cst.BaseExpression) -> list[str]:
    """The names an assignment target binds (``a``, ``a, (b, *c)``), not the bases of ``x.attr`` / ``x[i]``."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _targets(element.value)]
    if isinstance(target, cst.StarredElement):
        return _targets(target.value)
    return []


def remember_call(module: ModuleInfo, function: Callable, arguments: Arguments) -> None:
    """A call through a value (``loss_fn(logits, y)``) ran ``function`` (defined in ``module``) on ``arguments``."""
    module.project.remember_value_call((module.key, _code(module, function)), arguments)


def calls_of(module: ModuleInfo, function: Callable) -> list[Arguments]:
    """The arguments of every remembered call through a value of ``function``."""
    return module.project.value_calls.get((module.key, _code(module, function)), [])


def _code(module: ModuleInfo, function: Callable) -> str:
    if id(function) not in module.codes:
        module.codes[id(function)] = module.module.code_for_node(function)
    return module.codes[id(function)]
