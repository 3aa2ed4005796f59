"""Statements in order: the half of the interpreter that walks a scope's statements.

Each statement takes the state before it (``Env``) to the state after it: assignments
bind names, attributes (``self.x = v``) and dict keys; ``if``/``try``/``match`` arms
are walked apart and joined (what differs between them becomes unknown); loop bodies
are walked twice so that one iteration's end is seen by the next. Expressions are
evaluated by the interpreter (``Interpreter.evaluate``), which derives from this class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.containers import unpack
from nnlint.analysis.env import Env
from nnlint.analysis.project import FunctionInfo, ModuleInfo
from nnlint.analysis.values import UNKNOWN, Constant, FunctionRef, Instance, Mapping, Sequence, Value

if TYPE_CHECKING:
    from nnlint.analysis.interpreter import Interpreter

MAX_REWALKED_LOOP_DEPTH = 4
_AUGMENTED: dict[type[cst.BaseAugOp], Callable[[], cst.BaseBinaryOp]] = {cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply, cst.DivideAssign: cst.Divide}


@dataclass
class Frame:
    returns: list[Value] = field(default_factory=list)
    record: dict[int, Env] | None = None  # statement id -> env before it (reporting walks only)
    iterating: list[Value] = field(default_factory=list)  # what the enclosing loops iterate, innermost last
    yields: list[Value] = field(default_factory=list)  # for each ``yield``: what the loop around it iterates


class StatementWalker:
    """Walks statements; ``evaluate`` and ``function`` come from the interpreter."""

    module: ModuleInfo
    module_env: Env
    _loop_depth: int

    def initial_fields(self, instance: Instance) -> dict[str, Value]:
        """What ``__init__`` stores on ``instance`` (``fields.py``)."""
        raise NotImplementedError

    def for_module(self, module: ModuleInfo) -> "Interpreter":
        """The interpreter of another module (one per module, shared: ``interpreter.interpreter_for``)."""
        raise NotImplementedError

    def evaluate(self, node: cst.BaseExpression, env: Env) -> Value:
        raise NotImplementedError

    def function(self, node: cst.FunctionDef) -> FunctionInfo:
        raise NotImplementedError

    def iterated(self, loop: cst.For, env: Env) -> Value:
        raise NotImplementedError

    def closure_at(self, definition: cst.FunctionDef, env: Env) -> dict[str, Value] | None:
        raise NotImplementedError

    def iterated_expression(self, expression: cst.BaseExpression, env: Env) -> Value:
        raise NotImplementedError

    def _walk_block(self, statements: list[cst.BaseStatement], env: Env, frame: Frame, is_module: bool = False) -> Env:
        for statement in statements:
            if frame.record is not None:
                frame.record[id(statement)] = env
            env = self._step(statement, env.copy(), frame)
            if is_module:
                self.module_env = env
        return env

    def _step(self, statement: cst.BaseStatement, env: Env, frame: Frame) -> Env:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self._small(small, env, frame)
            return env
        if isinstance(statement, cst.If):
            test = self.evaluate(statement.test, env)
            decided = test.value if isinstance(test, Constant) and isinstance(test.value, bool) and not test.overridable else None
            orelse = statement.orelse
            taken = self._walk_block(syntax.body_statements(statement), env.copy(), frame) if decided is not False else None
            other = None if decided is True else env if orelse is None else self._walk_block(
                [orelse] if isinstance(orelse, cst.If) else syntax.body_statements(orelse), env.copy(), frame)
            return taken.join(other) if taken is not None and other is not None else taken or other or env  # an arm a known flag rules out is not walked
        if isinstance(statement, (cst.For, cst.While)):
            return self._loop(statement, env, frame)
        if isinstance(statement, cst.With):
            for item in statement.items:
                value = self.evaluate(item.item, env)
                if item.asname is not None:
                    self._bind(item.asname.name, UNKNOWN if value is not UNKNOWN else value, env)
            return self._walk_block(syntax.body_statements(statement), env, frame)
        if isinstance(statement, (cst.Try, cst.TryStar)):
            end = self._walk_block(syntax.body_statements(statement), env.copy(), frame)
            if statement.orelse is not None:
                end = self._walk_block(syntax.body_statements(statement.orelse), end, frame)
            for handler in statement.handlers:
                end = end.join(self._walk_block(syntax.body_statements(handler), env.join(end), frame))
            if statement.finalbody is not None:
                end = self._walk_block(syntax.body_statements(statement.finalbody), end, frame)
            return end
        if isinstance(statement, cst.FunctionDef):
            env.names[statement.name.value] = FunctionRef(self.function(statement), self.closure_at(statement, env))
            return env
        if isinstance(statement, cst.ClassDef):
            env.names.pop(statement.name.value, None)
            return env
        if isinstance(statement, cst.Match):
            self.evaluate(statement.subject, env)
            end = env
            for case in statement.cases:
                end = end.join(self._walk_block(syntax.body_statements(case), env.copy(), frame))
            return end
        return env

    def _loop(self, statement: cst.For | cst.While, env: Env, frame: Frame) -> Env:
        entry = env
        # A second pass sees what one iteration leaves for the next; it is skipped when the first
        # changed nothing, and deep inside other loops (each nesting level would double the work).
        passes = 2 if self._loop_depth < MAX_REWALKED_LOOP_DEPTH else 1
        self._loop_depth += 1
        try:
            for _ in range(passes):
                if isinstance(statement, cst.For):
                    frame.iterating.append(self.iterated(statement, entry))
                    self._bind(statement.target, UNKNOWN, entry)
                else:
                    frame.iterating.append(UNKNOWN)
                    self.evaluate(statement.test, entry)
                try:
                    end = self._walk_block(syntax.body_statements(statement), entry.copy(), frame)
                finally:
                    frame.iterating.pop()
                joined = env.join(end)
                if joined == entry:
                    break
                entry = joined
        finally:
            self._loop_depth -= 1
        if statement.orelse is not None:
            entry = self._walk_block(syntax.body_statements(statement.orelse), entry, frame)
        return entry

    def _small(self, small: cst.BaseSmallStatement, env: Env, frame: Frame) -> None:
        if isinstance(small, cst.Assign):
            value = self.evaluate(small.value, env)
            for target in small.targets:
                self._bind(target.target, value, env)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self._bind(small.target, self.evaluate(small.value, env), env)
        elif isinstance(small, cst.AugAssign):
            operator = _AUGMENTED.get(type(small.operator))
            combined = cst.BinaryOperation(small.target, operator(), small.value) if operator is not None else small.value
            value = self.evaluate(combined, env)
            self._bind(small.target, value if operator is not None else UNKNOWN, env)
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Yield):
            self._yield(small.value, env, frame)
        elif isinstance(small, cst.Expr):
            self.evaluate(small.value, env)
        elif isinstance(small, cst.Return):
            frame.returns.append(UNKNOWN if small.value is None else self.evaluate(small.value, env))
        elif isinstance(small, cst.Del):
            for name in syntax.names_in(small.target):
                env.names[name] = UNKNOWN

    def _yield(self, node: cst.Yield, env: Env, frame: Frame) -> None:
        """A generator's batches come from what it loops over (``for batch in loader: yield batch``, ``yield from loader``)."""
        if isinstance(node.value, cst.From):
            frame.yields.append(self.iterated_expression(node.value.item, env))
            return
        if node.value is not None:
            self.evaluate(node.value, env)
        frame.yields.append(frame.iterating[-1] if frame.iterating else UNKNOWN)

    def _bind(self, target: cst.BaseExpression, value: Value, env: Env) -> None:
        if isinstance(target, cst.Name):
            env.names[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            starred = any(isinstance(element.value, cst.StarredElement) for element in target.elements)
            values = [UNKNOWN] * len(target.elements) if starred else unpack(value, len(target.elements))
            for element, item in zip(target.elements, values):
                self._bind(element.value, item, env)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, UNKNOWN, env)
        elif isinstance(target, cst.Attribute):
            owner = self.evaluate(target.value, env) if not isinstance(target.value, cst.Call) else UNKNOWN
            if isinstance(owner, Instance):
                env.fields[(owner, target.attr.value)] = value
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            container = env.names.get(target.value.value)
            key = self._index(target, env)
            if isinstance(container, Mapping):
                env.names[target.value.value] = container.merged(Mapping(((key.value, value),)) if isinstance(key, Constant) else Mapping((), False))
            elif isinstance(container, Sequence):
                env.names[target.value.value] = Sequence((), False, container.origin)

    def _index(self, node: cst.Subscript, env: Env) -> Value:
        """The constant in ``x[constant]``; UNKNOWN for slices and several indices."""
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return UNKNOWN
        return self.evaluate(node.slice[0].slice.value, env)

    # --- expressions -----------------------------------------------------------------------
