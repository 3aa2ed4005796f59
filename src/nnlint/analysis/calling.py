"""Entering functions: a call runs the function's body with its parameters bound.

Project functions are entered with the caller's arguments (to a small depth), so a helper's
return value, and the modes and attributes it leaves its arguments with, are known at the
call (``evaluate(model)`` that calls ``model.eval()``). Results are memoised per function and
arguments. ``super().method(...)`` runs the base class's method on the same ``self``; a lambda
called through a value evaluates its body.
"""

from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.closures import remember_call
from nnlint.analysis.containers import call_arguments
from nnlint.analysis.env import Env
from nnlint.analysis.objects import base_method, bind_parameters
from nnlint.analysis.project import ClassInfo, FunctionInfo
from nnlint.analysis.scopes import ScopeWalker
from nnlint.analysis.statements import Frame
from nnlint.analysis.values import UNKNOWN, Arguments, Instance, LambdaRef, Mode, Value, join

MAX_CALL_DEPTH = 3
Effects = tuple[Value, dict[Instance, frozenset[Mode]], dict[tuple[Instance, str], Value]]


class Calling(ScopeWalker):
    """Calls of project functions, methods and lambdas."""

    _call_memo: dict[object, Effects]
    _depth: int

    def _enter(self, function: FunctionInfo, node: cst.Call, env: Env, receiver: Instance | None = None,
               closure_names: dict[str, Value] | None = None, through_value: bool = False) -> Value:
        arguments = call_arguments(node, lambda inner: self.evaluate(inner, env))
        if receiver is not None:
            arguments = Arguments((receiver, *arguments.positional), arguments.keywords, arguments.exact)
        if through_value:
            remember_call(function.module, function.node, arguments)
        owner = (receiver, function.owner) if receiver is not None and function.owner is not None else None
        value, modes, fields = self.for_module(function.module).call(function, arguments, env, owner, closure_names)
        env.modes.update(modes)
        env.fields.update(fields)
        return value

    def call(self, function: FunctionInfo, arguments: Arguments, caller: Env,
             owner: tuple[Instance, ClassInfo] | None = None,
             closure_names: dict[str, Value] | None = None) -> tuple[Value, dict[Instance, frozenset[Mode]], dict[tuple[Instance, str], Value]]:
        """Run ``function`` on these arguments (a nested function: with the names it closes over): its return value,
        and the modes and attributes it leaves its arguments, and the objects they hold, with."""
        passed = [v for v in (*arguments.positional, *(value for _, value in arguments.keywords.entries)) if isinstance(v, Instance)]
        instances = [*passed, *self._held(passed, caller)]
        passed_fields = caller.fields_of(instances)
        try:
            key: object = (id(function.node), arguments, tuple(caller.modes.get(i) for i in instances), frozenset(passed_fields.items()))
            hash(key)
        except TypeError:
            key = None
        if closure_names is not None:
            key = None  # a closure is one object: not memoised by identity
        if key is not None and key in self._call_memo:
            return self._call_memo[key]
        if self._depth >= MAX_CALL_DEPTH:
            return UNKNOWN, {}, {}
        env = Env(dict(self.module_env.names), {i: caller.modes[i] for i in instances if i in caller.modes}, passed_fields)
        env.names.update(closure_names or {})
        bind_parameters(function.node.params, arguments, env, self._default)
        frame = Frame()
        self._depth += 1
        self._owners.append(owner)
        try:
            end = self._walk_block(syntax.body_statements(function.node.body), env, frame)
        finally:
            self._depth -= 1
            self._owners.pop()
        results = frame.yields or frame.returns  # a generator is what it loops over (its batches come from there)
        value: Value = results[0] if results else UNKNOWN
        for other in results[1:]:
            value = join(value, other)
        result = (value, {i: end.modes[i] for i in instances if i in end.modes}, end.fields_of(instances))
        if key is not None:
            self._call_memo[key] = result
        return result

    def _held(self, objects: list[Instance], env: Env) -> list[Instance]:
        """The objects ``objects`` hold in their attributes (``trainer.model``): a method that calls
        ``self.model.train()`` leaves the model in train mode for its caller."""
        held: list[Instance] = []
        for owner in objects:
            fields = {**self.initial_fields(owner), **{name: value for (known, name), value in env.fields.items() if known is owner}}
            held.extend(value for value in fields.values() if isinstance(value, Instance) and value not in objects and value not in held)
        return held

    def call_lambda(self, function: LambdaRef, arguments: Arguments) -> Value:
        """Call a lambda of this module: its body, with the names it closes over and its parameters bound."""
        remember_call(self.module, function.node, arguments)
        if self._depth >= MAX_CALL_DEPTH:
            return UNKNOWN
        env = Env({**self.module_env.names, **function.closure})
        bind_parameters(function.node.params, arguments, env, self._default)
        self._depth += 1
        try:
            return self.evaluate(function.node.body, env)
        finally:
            self._depth -= 1

    def _super_call(self, method: str, node: cst.Call, env: Env) -> Value:
        """``super().method(...)``: the base class's method, run on the same ``self``."""
        owner = self._owners[-1] if self._owners else None
        function = base_method(owner[1], method) if owner is not None else None
        return UNKNOWN if function is None or owner is None else self._enter(function, node, env, receiver=owner[0])
