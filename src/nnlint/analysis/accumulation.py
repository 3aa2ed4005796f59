"""Hand-written gradient accumulation: a loop that back-propagates every micro-batch and steps its
optimizer only under ``if (i + 1) % k == 0:``.

The accumulation rules (the loss not divided by k, gradients zeroed every micro-batch, a scheduler
stepped every micro-batch) share one reading of such a loop: which ``step()`` is the accumulating one
and what ``k`` is, as written in the modulo test.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.interpreter import interpreter_for
from nnlint.analysis.optim import Event, Op, optimizer_steps, value_where_built
from nnlint.analysis.project import ModuleInfo
from nnlint.analysis.values import Constant, Instance

_MAX_NAMES = 3


@dataclass(frozen=True)
class Accumulation:
    step: Event  # the optimizer's step(), under the modulo test
    k: cst.BaseExpression  # micro-batches per step, as the test writes it


def modulus(step: Event) -> cst.BaseExpression | None:
    """``k`` when ``step`` runs under ``if ... % k == 0`` (k not the literal 1)."""
    for arm in step.path:
        if arm.index != 0 or arm.test is None:
            continue
        for node in _walk(arm.test):
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
                k = node.right
                if not (isinstance(k, cst.Integer) and int(k.value) <= 1):
                    return k
    return None


def accumulation(events: list[Event]) -> Accumulation | None:
    """The accumulating step of a loop that back-propagates on every iteration (unconditionally)."""
    if not any(event.op is Op.BACKWARD and not event.path and event.depth == 0 for event in events):
        return None
    for _, step in optimizer_steps(events):
        k = modulus(step)
        if k is not None:
            return Accumulation(step, k)
    return None


def counted_in_steps(scheduler: Instance, found: Accumulation, module: ModuleInfo, loop_scope: cst.Module | cst.FunctionDef) -> cst.BaseExpression | None:
    """The division by k in the arguments ``scheduler`` was built with (following names assigned once in the
    function that builds it: ``updates = len(loader) // accum * epochs``), which says its length counts
    optimizer updates, not micro-batches; None when the file does not say so."""
    interpreter = interpreter_for(module)
    site = interpreter.calls.by_call.get(id(scheduler.call)) if scheduler.call is not None and scheduler.module_key == module.key else None
    if site is None:
        return None
    scope, _, call = site
    k_value = interpreter.value(found.k, interpreter.env_before(found.step.statement, loop_scope)) if found.step.direct else None
    code = module.module.code_for_node

    def is_k(divisor: cst.BaseExpression) -> bool:
        if code(divisor) == code(found.k):
            return True
        value = value_where_built(divisor, scheduler, module)
        return isinstance(value, Constant) and isinstance(k_value, Constant) and value == k_value and not isinstance(value.value, bool)

    assigned = _single_assignments(scope)
    pending: list[tuple[cst.BaseExpression, int]] = [(arg.value, 0) for arg in call.args]
    while pending:
        expression, depth = pending.pop()
        for node in _walk(expression):
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Divide, cst.FloorDivide)) and is_k(node.right):
                return node
            if isinstance(node, cst.Name) and depth < _MAX_NAMES and node.value in assigned:
                pending.append((assigned[node.value], depth + 1))
    return None


def _body(scope: cst.Module | cst.FunctionDef) -> list[cst.BaseStatement]:
    return list(scope.body) if isinstance(scope, cst.Module) else syntax.body_statements(scope.body)


def _single_assignments(scope: cst.Module | cst.FunctionDef) -> dict[str, cst.BaseExpression]:
    """Names assigned exactly once in ``scope`` (not counting nested functions), with the value."""
    values: dict[str, cst.BaseExpression] = {}
    counts: dict[str, int] = {}
    for statement in syntax.walk_statements(_body(scope)):
        for small in syntax.small_statements(statement):
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else (
                [small.target] if isinstance(small, (cst.AugAssign, cst.AnnAssign)) else [])
            for target in targets:
                if isinstance(target, cst.Name):
                    counts[target.value] = counts.get(target.value, 0) + 1
                    if isinstance(small, cst.Assign) and len(small.targets) == 1:
                        values[target.value] = small.value
    return {name: value for name, value in values.items() if counts[name] == 1}


def _walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    found = [node]
    for child in syntax.children(node):
        found.extend(_walk(child))
    return found
