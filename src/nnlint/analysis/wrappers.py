"""Wrappers that keep what they wrap: what a loop over ``tqdm(enumerate(loader))`` really iterates,
and which model objects a ``DistributedDataParallel(model)`` call wraps.

Progress bars, ``enumerate``, ``iter`` and ``itertools.islice`` change what each
iteration looks like (an index is added, a bar is drawn) but not where the
batches come from. Rules that ask "which loader feeds this loop?" ask this
module, so every wrapper in ``torch_api.ITERATION_WRAPPERS`` is seen by all of them.

The interpreter treats ``DistributedDataParallel(model)`` as the model it wraps (it
computes what the model computes), so the wrap itself is only visible at its call:
``wrapped_by`` answers for that call. A rule collects the wraps it sees during the
visit and judges its candidates when the module ends, because a training helper is
often defined above the ``main()`` that wraps the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.env import Env
from nnlint.analysis.torch_api import ITERATION_BUILTINS, ITERATION_WRAPPERS
from nnlint.analysis.values import Instance, Value

if TYPE_CHECKING:
    from nnlint.analysis.context import FileContext

_MAX_WRAPPERS = 8


class Qualifier(Protocol):
    """What resolves names to qualified names: a file's ``FileContext`` or the interpreter's ``ModuleInfo``."""

    def qualify(self, node: cst.BaseExpression) -> str | None: ...


def unwrap_iteration(context: Qualifier, expression: cst.BaseExpression) -> cst.BaseExpression:
    """``loader`` for ``loader``, ``enumerate(loader)``, ``tqdm(enumerate(loader), total=n)``, ``track(loader)``."""
    for _ in range(_MAX_WRAPPERS):
        if not (isinstance(expression, cst.Call) and expression.args and not expression.args[0].star and expression.args[0].keyword is None):
            break
        if syntax.dotted_name(expression.func) not in ITERATION_BUILTINS and (context.qualify(expression.func) or "") not in ITERATION_WRAPPERS:
            break
        expression = expression.args[0].value
    return expression


def iterated(context: "FileContext", expression: cst.BaseExpression, env: Env) -> Value:
    """The value whose elements a loop over ``expression`` (evaluated in ``env``) receives."""
    return context.interpreter.iterated_expression(expression, env.copy())


def wrapped_by(context: "FileContext", call: cst.Call, wrappers: frozenset[str]) -> tuple[Instance, ...]:
    """The objects ``call`` wraps when it is one of ``wrappers``: the model it is given and,
    where the interpreter builds one, the wrapper object itself (both mean "the wrapped model")."""
    if context.qualify(call.func) not in wrappers:
        return ()
    model = syntax.argument(call, 0, "module")
    if model is None:
        return ()
    values = (context.value(model), context.value(call))
    return tuple(value for value in values if isinstance(value, Instance))
