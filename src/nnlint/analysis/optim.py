"""The events of a training step, in order: what the optimizer rules (NN401-NN417) read.

A loop body is read statement by statement into a list of ``Event``s —
``zero_grad()``, ``backward()``, ``step()``, gradient clipping, ``GradScaler``
calls, ``scheduler.step()`` — each with the object it acts on when the
interpreter knows it (``opt_d`` and ``opt_g`` of a GAN are two different
``Instance``s). Project helper functions and methods (``reset_grad()``,
``self.train_step(batch)``) are entered, and their events appear at the call
in the loop. Every event remembers where it sits: the ``if``/``else`` arms
and nested loops around it (``path``) and whether an arm ends in ``continue``,
``break``, ``return`` or ``raise``, so rules can ask "does this ``zero_grad()``
always run before that ``step()``?" and "could a ``backward()`` run in between?"
without a control-flow graph. A call that could do anything to an optimizer (an
unknown function it is passed to, a helper too deep to enter) is an ``OPAQUE``
event: rules treat it as "maybe anything" and stay silent.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TypeGuard

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.env import Env
from nnlint.analysis.frameworks import accelerate
from nnlint.analysis.interpreter import interpreter_for
from nnlint.analysis.loops import Loop, Scope, block_indent, enclosing_statements
from nnlint.analysis.project import FunctionInfo, ModuleInfo
from nnlint.analysis.sites import own_parts
from nnlint.analysis.training import trains
from nnlint.analysis.torch_api import BACKWARD_FUNCTIONS, BACKWARD_METHODS, CLIP_FUNCTIONS, GRAD_MODE, NOT_OPTIMIZER_PREFIXES, SCALERS
from nnlint.analysis.values import UNKNOWN, FunctionRef, Instance, Value, short


_HARMLESS = frozenset(("print", "len", "str", "repr", "format", "isinstance", "type", "id", "hasattr", "getattr", "vars", "dir"))
#: methods of optimizers and scalers that neither zero nor step
_HARMLESS_METHODS = frozenset(("state_dict", "load_state_dict", "add_param_group", "scale", "get_scale", "is_enabled"))
_MAX_HELPER_DEPTH = 3
#: words in a function's name that say it evaluates (shared by the mode rules)
EVAL_FUNCTION_WORDS = ("eval", "valid", "test", "infer", "predict")


def is_optimizer(value: object) -> TypeGuard[Instance]:
    """A ``torch.optim`` optimizer (never a project subclass: its ``step()`` may do anything)."""
    if not isinstance(value, Instance) or value.cls is not None:
        return False
    name = value.qualname
    if name == "torch.distributed.optim.ZeroRedundancyOptimizer":
        return True
    return (name.startswith("torch.optim.") and not name.startswith(NOT_OPTIMIZER_PREFIXES)
            and name.rsplit(".", 1)[-1][:1].isupper())


def is_scheduler(value: object) -> TypeGuard[Instance]:
    return isinstance(value, Instance) and value.qualname.startswith("torch.optim.lr_scheduler.") and value.qualname.rsplit(".", 1)[-1][:1].isupper()


def is_scaler(value: object) -> TypeGuard[Instance]:
    return isinstance(value, Instance) and value.qualname in SCALERS


def _enabled(scaler: Instance) -> bool:
    """``GradScaler(enabled=False)`` scales nothing."""
    flag = syntax.keyword(scaler.call, "enabled") if scaler.call is not None else None
    return flag is None or syntax.literal_bool(flag.value) is not False


class Op(enum.Enum):
    BACKWARD = "backward"
    ZERO = "zero_grad"  # target: the optimizer or model zeroed; None for `p.grad = None` and unknown receivers
    STEP = "step"  # target: the optimizer; None for `.step()` on something unknown
    UNSCALE = "unscale_"
    UPDATE = "update"
    CLIP = "clip"  # target: the model whose parameters are clipped, when known
    SCHEDULE = "scheduler.step"
    OPAQUE = "opaque"  # may do anything to target (None: to anything)
    GRAD = "grad"  # a `.grad` read: someone uses the gradients


class Exit(enum.Enum):
    NONE = "none"
    CONTINUE = "continue"
    BREAK = "break"
    RETURN = "return"
    RAISE = "raise"


@dataclass(frozen=True)
class Arm:
    """One arm of an ``if``/``match``/``try`` handler, or the body of a nested loop, that an event sits in."""

    node: int  # id of the compound statement (the arms of one `if` share it)
    index: int
    exit: Exit = Exit.NONE  # how the arm ends, when it ends in a jump
    test: cst.BaseExpression | None = field(default=None, compare=False)  # the `if` test of arm 0


@dataclass(frozen=True)
class Event:
    op: Op
    node: cst.CSTNode  # the call (or statement) in the analysed body; for events inside a helper, the call of the helper
    statement: cst.BaseStatement  # the statement holding ``node``
    target: Instance | None = None
    scaler: Instance | None = None  # STEP through scaler.step(), a scaled BACKWARD, UNSCALE, UPDATE
    receiver: cst.BaseExpression | None = None  # the expression naming ``target`` (direct calls only)
    loss: cst.BaseExpression | None = None  # BACKWARD: what it runs on (direct calls only)
    path: tuple[Arm, ...] = ()
    depth: int = 0  # loops between the event and the analysed loop
    helper: str | None = None  # the function it happens in, when not in the analysed body itself
    has_args: bool = False
    indent: str = ""  # indentation of ``statement`` relative to the analysed loop
    inner: cst.CSTNode | None = field(default=None, compare=False)  # in a helper of the loop's own file: the call there

    @property
    def direct(self) -> bool:
        return self.helper is None

    @property
    def at(self) -> cst.CSTNode:
        """Where the event happens in the loop's file, where a fix goes: the ``step()`` inside the helper
        ``_run_batch()`` when that is in this file, else the call in the loop."""
        return self.inner if self.inner is not None else self.node


# --- reading a body into events -------------------------------------------------------------


def loop_events(loop: Loop, module: ModuleInfo, scope: Scope) -> list[Event]:
    """The events of one iteration of ``loop`` (which lies in ``scope``), in execution order."""
    cache = _cache(module)
    key = ("loop", id(loop))
    if key not in cache:
        cache[key] = _Walker(module, scope, ()).loop_body(loop) if trains(loop.body, module) else []
    return cache[key]  # type: ignore[return-value]


def _nested_loop_events(loop: Loop, module: ModuleInfo, scope: Scope) -> list[Event]:
    cache = _cache(module)
    key = ("nested", id(loop))
    if key not in cache:
        cache[key] = _Walker(module, scope, ()).loop_body(loop)
    return cache[key]  # type: ignore[return-value]


def _cache(module: ModuleInfo) -> dict[object, object]:
    return module.__dict__.setdefault("_optim_cache", {})


class _Walker:
    def __init__(self, module: ModuleInfo, scope: Scope, stack: tuple[int, ...]) -> None:
        self.module = module
        self.scope = scope
        self.stack = stack  # helper functions being entered (recursion guard)
        self.interpreter = interpreter_for(module)

    def loop_body(self, loop: Loop) -> list[Event]:
        body = loop.body
        indent = block_indent(body, self.module.module)
        return self.block(syntax.body_statements(loop), (), 0, indent)

    def block(self, statements: list[cst.BaseStatement], path: tuple[Arm, ...], depth: int, indent: str) -> list[Event]:
        events: list[Event] = []
        for statement in statements:
            events.extend(self.statement(statement, path, depth, indent))
        return events

    def arm(self, owner: cst.CSTNode, index: int, block: cst.CSTNode | list[cst.BaseStatement], path: tuple[Arm, ...], depth: int,
            indent: str, test: cst.BaseExpression | None = None) -> list[Event]:
        statements = block if isinstance(block, list) else syntax.body_statements(block)
        inner = indent if isinstance(block, list) else indent + block_indent(getattr(block, "body", None), self.module.module)
        return self.block(statements, (*path, Arm(id(owner), index, _exit(statements), test)), depth, inner)

    def statement(self, statement: cst.BaseStatement, path: tuple[Arm, ...], depth: int, indent: str) -> list[Event]:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            return []
        events = [event for part in own_parts(statement) for event in self.part(part, statement, path, depth, indent)]
        if isinstance(statement, cst.If):
            events += self.arm(statement, 0, statement, path, depth, indent, statement.test)
            if isinstance(statement.orelse, cst.If):
                events += self.arm(statement, 1, [statement.orelse], path, depth, indent)
            elif statement.orelse is not None:
                events += self.arm(statement, 1, statement.orelse, path, depth, indent)
        elif isinstance(statement, (cst.For, cst.While)):
            inner = _nested_loop_events(statement, self.module, self.scope) if not self.stack else _Walker(self.module, self.scope, self.stack).loop_body(statement)
            arm = Arm(id(statement), 0)
            events += [_embed(e, path=(*path, arm, *_forget(e.path, (Exit.CONTINUE, Exit.BREAK))), depth=depth + 1 + e.depth,
                              indent=indent + e.indent) for e in inner]
            if statement.orelse is not None:
                events += self.arm(statement.orelse, 0, statement.orelse, path, depth, indent)
        elif isinstance(statement, cst.With):
            events += self.block(syntax.body_statements(statement), path, depth, indent + block_indent(statement.body, self.module.module))
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            events += self.block(syntax.body_statements(statement), path, depth, indent + block_indent(statement.body, self.module.module))
            for handler in statement.handlers:
                events += self.arm(handler, 0, handler, path, depth, indent)
            if statement.orelse is not None:
                events += self.arm(statement.orelse, 0, statement.orelse, path, depth, indent)
            if statement.finalbody is not None:
                events += self.block(syntax.body_statements(statement.finalbody), path, depth, indent + block_indent(statement.finalbody.body, self.module.module))
        elif isinstance(statement, cst.Match):
            for index, case in enumerate(statement.cases):
                events += self.arm(statement, index, case, path, depth, indent)
        return events

    def part(self, part: cst.CSTNode, statement: cst.BaseStatement, path: tuple[Arm, ...], depth: int, indent: str) -> Iterator[Event]:
        base = Event(Op.GRAD, part, statement, path=path, depth=depth, indent=indent)
        env: list[Env] = []

        def value(expression: cst.BaseExpression) -> Value:
            if not env:
                env.append(self.interpreter.env_before(statement, self.scope))
            return self.interpreter.value(expression, env[0])

        if isinstance(part, cst.SimpleStatementLine):
            for small in part.body:
                if any(_is_grad(target) for target in _targets(small)):
                    yield replace(base, op=Op.ZERO, node=small)
        for node in _calls_and_grads(part):
            if isinstance(node, cst.Attribute):
                yield replace(base, node=node)
            else:
                yield from self.call(node, base, value)

    def call(self, call: cst.Call, base: Event, value: _Evaluate) -> Iterator[Event]:
        method = syntax.method_name(call)
        receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
        qualname = self.module.qualify(call.func)
        event = replace(base, node=call, has_args=bool(call.args))
        if method in BACKWARD_METHODS or qualname in BACKWARD_FUNCTIONS:
            loss = syntax.argument(call, 0, "tensors") if qualname in BACKWARD_FUNCTIONS or syntax.argument(call, 0) is not None else receiver
            scaler = None
            if isinstance(loss, cst.Call) and syntax.method_name(loss) == "scale" and isinstance(loss.func, cst.Attribute):
                found = value(loss.func.value)
                scaler = found if is_scaler(found) and _enabled(found) else None
            yield replace(event, op=Op.BACKWARD, loss=loss, scaler=scaler)
            return
        if qualname in CLIP_FUNCTIONS or (receiver is not None and accelerate.clips(method) and accelerate.is_accelerator(value(receiver))):
            yield replace(event, op=Op.CLIP, target=self._owner_expression(syntax.argument(call, 0, "parameters"), value))
            return
        if receiver is not None and method is not None:
            if _on_grad(receiver) and method.endswith("_"):
                yield replace(event, op=Op.ZERO)
                return
            found = value(receiver) if qualname is None else UNKNOWN
            known = self._method_event(method, receiver, found, call, event, value)
            if known is not None:
                yield known
                return
        function = self._helper(call, value)
        if function is not None:
            yield from self._enter(function, event)
            return
        if qualname is not None and qualname.split(".", 1)[0] == "torch":
            return
        if isinstance(call.func, cst.Name) and call.func.value in _HARMLESS:
            return
        for arg in call.args:
            if isinstance(arg.value, (cst.Name, cst.Attribute)):
                found = value(arg.value)
                if is_optimizer(found) or is_scaler(found):
                    yield replace(event, op=Op.OPAQUE, target=found)

    def _method_event(self, method: str, receiver: cst.BaseExpression, found: Value, call: cst.Call, event: Event,
                      value: _Evaluate) -> Event | None:
        instance = found if isinstance(found, Instance) else None
        if method == "zero_grad":
            return replace(event, op=Op.ZERO, target=instance, receiver=receiver)
        if method == "step":
            if is_optimizer(instance):
                return replace(event, op=Op.STEP, target=instance, receiver=receiver)
            if is_scaler(instance):
                argument = syntax.argument(call, 0, "optimizer")
                optimizer = value(argument) if argument is not None else None
                return replace(event, op=Op.STEP, target=optimizer if is_optimizer(optimizer) else None, scaler=instance, receiver=argument,
                               has_args=False)
            if is_scheduler(instance):
                return replace(event, op=Op.SCHEDULE, target=instance, receiver=receiver)
            if instance is None or instance.cls is None:
                return replace(event, op=Op.STEP, target=None, receiver=receiver)
            return None
        if is_scaler(instance) and method in ("unscale_", "update"):
            argument = syntax.argument(call, 0, "optimizer") if method == "unscale_" else None
            optimizer = value(argument) if argument is not None else None
            return replace(event, op=Op.UNSCALE if method == "unscale_" else Op.UPDATE, scaler=instance,
                           target=optimizer if is_optimizer(optimizer) else None, receiver=argument)
        if (is_optimizer(instance) or is_scaler(instance)) and method not in _HARMLESS_METHODS:
            return replace(event, op=Op.OPAQUE, target=instance)
        return None

    def _owner_expression(self, parameters: cst.BaseExpression | None, value: _Evaluate) -> Instance | None:
        """``model`` for ``model.parameters()``."""
        if isinstance(parameters, cst.Call) and syntax.method_name(parameters) == "parameters" and isinstance(parameters.func, cst.Attribute):
            found = value(parameters.func.value)
            return found if isinstance(found, Instance) else None
        return None

    def _helper(self, call: cst.Call, value: _Evaluate) -> FunctionInfo | None:
        func = call.func
        qualname = self.module.qualify(func)
        if qualname is not None:
            return self.module.project.find_function(qualname, self.module)
        found = value(func)
        if isinstance(found, FunctionRef):
            return found.info
        if isinstance(func, cst.Attribute):
            owner = value(func.value)
            if isinstance(owner, Instance) and owner.cls is not None:
                return owner.cls.methods.get(func.attr.value)
        return None

    def _enter(self, function: FunctionInfo, at: Event) -> Iterator[Event]:
        key = id(function.node)
        if key in self.stack or len(self.stack) >= _MAX_HELPER_DEPTH:
            yield replace(at, op=Op.OPAQUE, target=None)
            return
        cache = _cache(function.module)
        if ("helper", key) not in cache:
            walker = _Walker(function.module, function.node, (*self.stack, key))
            cache[("helper", key)] = walker.block(syntax.body_statements(function.node.body), (), 0, "")
        same_file = function.module is self.module
        for event in cache[("helper", key)]:  # type: ignore[attr-defined]
            yield _embed(event, node=at.node, statement=at.statement, path=(*at.path, *_forget(event.path, (Exit.RETURN,))),
                         depth=at.depth + event.depth, indent=at.indent, helper=event.helper or function.name, receiver=None,
                         loss=None, inner=event.at if same_file else None)


_Evaluate = Callable[[cst.BaseExpression], Value]


def _embed(event: Event, **changes: object) -> Event:
    return replace(event, **changes)  # type: ignore[arg-type]


def _forget(path: tuple[Arm, ...], exits: tuple[Exit, ...]) -> tuple[Arm, ...]:
    """Jumps that stay inside a nested loop or helper do not leave the analysed iteration."""
    return tuple(replace(arm, exit=Exit.NONE) if arm.exit in exits else arm for arm in path)


def _exit(statements: list[cst.BaseStatement]) -> Exit:
    for statement in statements:
        for small in syntax.small_statements(statement):
            if isinstance(small, cst.Continue):
                return Exit.CONTINUE
            if isinstance(small, cst.Break):
                return Exit.BREAK
            if isinstance(small, cst.Return):
                return Exit.RETURN
            if isinstance(small, cst.Raise):
                return Exit.RAISE
    return Exit.NONE


def _targets(small: cst.BaseSmallStatement) -> list[cst.BaseExpression]:
    if isinstance(small, cst.Assign):
        return [target.target for target in small.targets]
    if isinstance(small, (cst.AnnAssign, cst.AugAssign, cst.Del)):
        return [small.target]
    return []


def _is_grad(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Attribute) and node.attr.value == "grad"


def _on_grad(node: cst.BaseExpression) -> bool:
    """``p.grad``, ``p.grad.data``: a chain that goes through ``.grad``."""
    while isinstance(node, cst.Attribute):
        if node.attr.value == "grad":
            return True
        node = node.value
    return False


def _calls_and_grads(node: cst.CSTNode) -> Iterator[cst.Call | cst.Attribute]:
    """Calls and ``.grad`` reads in source order, not into nested functions or lambdas."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(current, cst.Call):
            yield current
        elif isinstance(current, cst.Attribute) and current.attr.value == "grad":
            yield current
        stack.extend(reversed(list(syntax.children(current))))


# --- questions about the order of events ----------------------------------------------------


def back_from(events: list[Event], index: int) -> Iterator[tuple[int, bool]]:
    """Indexes of the events before ``events[index]``, nearest first; then, ``wrapped``, those
    after it from the end of the body: what the previous iteration did last."""
    for i in range(index - 1, -1, -1):
        yield i, False
    for i in range(len(events) - 1, index, -1):
        yield i, True


def may_reach(before: Event, after: Event, wrapped: bool = False) -> bool:
    """Whether ``before`` can run and then ``after`` (in the same iteration, or the next one when ``wrapped``)."""
    arms = {(arm.node, arm.index) for arm in after.path}
    nodes = {arm.node for arm in after.path}
    for arm in before.path:
        if (arm.node, arm.index) in arms:
            continue
        if not wrapped and arm.node in nodes:
            return False  # the other arm of an `if` that `after` is in
        if arm.exit in (Exit.BREAK, Exit.RETURN, Exit.RAISE) or (arm.exit is Exit.CONTINUE and not wrapped):
            return False
    return True


def always_before(before: Event, after: Event, wrapped: bool = False) -> bool:
    """Whether ``before`` certainly ran when ``after`` runs: it is not in an arm or nested loop that ``after`` is not in."""
    if wrapped:
        return not before.path
    return before.path == after.path[: len(before.path)]


def owner(optimizer: Instance, module: ModuleInfo) -> Instance | None:
    """The model whose ``parameters()`` the optimizer was built from, when the file says so."""
    cache = _cache(module)
    key = ("owner", id(optimizer))
    if key not in cache:
        params = syntax.argument(optimizer.call, 0, "params") if optimizer.call is not None else None
        found = None
        if isinstance(params, cst.Call) and syntax.method_name(params) == "parameters" and isinstance(params.func, cst.Attribute):
            value = value_where_built(params.func.value, optimizer, module)
            found = value if isinstance(value, Instance) else None
        cache[key] = found
    return cache[key]  # type: ignore[return-value]


def value_where_built(expression: cst.BaseExpression, instance: Instance, module: ModuleInfo) -> Value | None:
    """An argument of ``instance``'s constructor call, evaluated where that call is (this file only)."""
    interpreter = interpreter_for(module)
    site = interpreter.calls.by_call.get(id(instance.call)) if instance.module_key == module.key else None
    if site is None:
        return None
    scope, statement, _ = site
    return interpreter.value(expression, interpreter.env_before(statement, scope))


def zeroes(event: Event, optimizer: Instance, module: ModuleInfo) -> bool | None:
    """Does ``event`` zero the gradients ``optimizer`` steps with? True, False, or None (cannot tell)."""
    target = event.target
    if event.op is Op.OPAQUE:
        return None if target is None or target is optimizer else False
    if event.op is not Op.ZERO:
        return False
    if target is None:
        return None
    if target is optimizer:
        return True
    mine = owner(optimizer, module)
    if is_optimizer(target):
        theirs = owner(target, module)
        if mine is None or theirs is None:
            return None
        return True if mine is theirs else (False if _disjoint(mine, theirs, module) else None)
    if mine is None:
        return None
    if target is mine or mine in _parts(target, module)[0]:
        return True
    return False if _disjoint(target, mine, module) else None


def _disjoint(left: Instance, right: Instance, module: ModuleInfo) -> bool:
    if left is right or left.call is None or right.call is None:
        return False
    left_parts, left_known = _parts(left, module)
    right_parts, right_known = _parts(right, module)
    return left_known and right_known and right not in left_parts and left not in right_parts


def _parts(instance: Instance, module: ModuleInfo, depth: int = 0) -> tuple[set[Instance], bool]:
    """The objects a model is built from (layers, attributes, constructor arguments), and whether that is all of them."""
    if depth > 3:
        return set(), False
    found: set[Instance] = set()
    known = True
    children: list[Value | None] = list(instance.layers)
    if instance.cls is not None:
        evaluate = interpreter_for(instance.cls.module).evaluate
        children += [evaluate(expression, Env()) for expression in instance.cls.attributes.values()]
    if instance.call is not None:
        children += [value_where_built(arg.value, instance, module) for arg in instance.call.args if isinstance(arg.value, (cst.Name, cst.Attribute))]
    for child in children:
        if isinstance(child, Instance) and child is not instance and child not in found:
            found.add(child)
            inner, inner_known = _parts(child, module, depth + 1)
            found |= inner
            known = known and inner_known
    return found, known


def step_on_zeroed_gradients(events: list[Event], index: int, module: ModuleInfo) -> tuple[str, Event] | None:
    """For the optimizer step ``events[index]``: is the last thing before it a ``zero_grad()`` of its
    gradients, with no ``backward()`` in between? ("before", the zero_grad) when the backward() the
    step should have used comes after it in the iteration; ("between", the zero_grad) when that
    zero_grad() comes right after a backward()."""
    step = events[index]
    optimizer = step.target
    if optimizer is None:
        return None
    for i, wrapped in back_from(events, index):
        event = events[i]
        if event.op is Op.BACKWARD or (event.op is Op.OPAQUE and event.target in (None, optimizer)):
            if may_reach(event, step, wrapped):
                return None
            continue
        if event.op is Op.ZERO and zeroes(event, optimizer, module) and always_before(event, step, wrapped) and event.depth == 0:
            if not wrapped and any(e.op is Op.BACKWARD for e in events[index + 1:]):
                return "before", event
            earlier = range(i) if not wrapped else range(index + 1, i)
            return ("between", event) if any(events[j].op is Op.BACKWARD for j in earlier) else None
    return None


def optimizer_steps(events: list[Event]) -> Iterator[tuple[int, Event]]:
    """Each optimizer's first ``step()`` that runs once per iteration of the analysed loop (not a closure step)."""
    seen: set[Instance] = set()
    for index, event in enumerate(events):
        if event.op is Op.STEP and event.depth == 0 and is_optimizer(event.target) and not event.has_args and event.target not in seen:
            seen.add(event.target)  # type: ignore[arg-type]
            yield index, event


def describe(event: Event, module: ModuleInfo) -> str:
    """How a message names the object an event acts on: its code in the loop, or its type."""
    if event.receiver is not None:
        return module.module.code_for_node(event.receiver)
    target = event.target
    if target is None:
        return "the optimizer"
    site = interpreter_for(module).calls.by_call.get(id(target.call)) if target.module_key == module.key else None
    for small in syntax.small_statements(site[1]) if site is not None else ():
        if isinstance(small, cst.Assign) and small.value is target.call and len(small.targets) == 1:
            return module.module.code_for_node(small.targets[0].target)
    return short(target.qualname)


def where(event: Event) -> str:
    return f" (in {event.helper}())" if event.helper else ""


# --- autograd switched off ------------------------------------------------------------------


def sets_grad_mode(node: cst.CSTNode, module: ModuleInfo) -> bool:
    """A ``with`` statement or decorated function that sets the grad mode itself."""
    expressions: list[cst.BaseExpression] = []
    if isinstance(node, cst.With):
        expressions = [item.item for item in node.items]
    elif isinstance(node, cst.FunctionDef):
        expressions = [decorator.decorator for decorator in node.decorators]
    return any(module.qualify(e.func if isinstance(e, cst.Call) else e) in GRAD_MODE for e in expressions)


def called_only_under_grad_mode(function: cst.FunctionDef, module: ModuleInfo, _depth: int = 0) -> bool | None:
    """Whether the calls of ``function`` in its file run under a grad-mode ``with`` or decorator (directly,
    or because the function calling it only runs so): True, False (some call certainly does not), or
    None (never called by name here, or too deep to tell)."""
    sites = interpreter_for(module).calls.by_name.get(function.name.value, [])
    if not sites or _depth > 3:
        return None
    verdicts = [_inside_grad_mode(scope, statement, module, _depth) for scope, statement, _ in sites]
    return False if False in verdicts else (True if all(verdicts) else None)


def _inside_grad_mode(scope: Scope, target: cst.BaseStatement, module: ModuleInfo, depth: int) -> bool | None:
    if isinstance(scope, cst.FunctionDef) and sets_grad_mode(scope, module):
        return True
    if any(sets_grad_mode(statement, module) for statement in enclosing_statements(scope, target) or ()):
        return True
    return called_only_under_grad_mode(scope, module, depth + 1) if isinstance(scope, cst.FunctionDef) else False


def scheduler_optimizer(scheduler: Instance, module: ModuleInfo) -> Instance | None:
    """The optimizer a learning-rate scheduler was built on, when this file says so."""
    argument = syntax.argument(scheduler.call, 0, "optimizer") if scheduler.call is not None else None
    found = value_where_built(argument, scheduler, module) if argument is not None else None
    return found if isinstance(found, Instance) and is_optimizer(found) else None
