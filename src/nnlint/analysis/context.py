"""What a rule sees of the file it checks: the module, names, values, and where the visit is."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import libcst as cst

from nnlint.analysis.env import Env
from nnlint.analysis.interpreter import Interpreter, interpreter_for
from nnlint.analysis.project import ModuleInfo
from nnlint.analysis.torch_api import NO_GRAD
from nnlint.analysis.values import Value
from nnlint.positions import NodePositions



@dataclass
class FileContext:
    path: Path | None
    display_path: str
    text: str
    info: ModuleInfo
    ancestors: list[cst.CSTNode] = field(default_factory=list)  # maintained by the batched visit

    @property
    def module(self) -> cst.Module:
        return self.info.module

    @cached_property
    def positions(self) -> NodePositions:
        """Node positions, resolved on first use (most files never need them)."""
        return NodePositions(self.module)

    def line_of(self, node: cst.CSTNode) -> int | None:
        """The 1-based line a node starts on, for messages that point elsewhere ("split on line 42")."""
        where = self.positions.range_of(node)
        return where.start.line + 1 if where is not None else None

    @property
    def interpreter(self) -> Interpreter:
        return interpreter_for(self.info)

    def qualify(self, node: cst.BaseExpression) -> str | None:
        return self.info.qualify(node)

    def enclosing(self, *types: type) -> cst.CSTNode | None:
        return next((node for node in reversed(self.ancestors) if isinstance(node, types)), None)

    def scope(self) -> cst.Module | cst.FunctionDef:
        found = self.enclosing(cst.FunctionDef)
        return found if isinstance(found, cst.FunctionDef) else self.module

    def env(self) -> Env:
        """The interpreter's state just before the statement being visited (inside a lambda: with its parameters)."""
        statement = self.enclosing(cst.BaseStatement)
        if not isinstance(statement, cst.BaseStatement):
            return Env()
        env = self.interpreter.env_before(statement, self.scope())
        inside = self.ancestors[next(i for i in range(len(self.ancestors) - 1, -1, -1) if self.ancestors[i] is statement):]
        for node in inside:
            if isinstance(node, cst.Lambda):
                env = self.interpreter.lambda_env(node, env)
        return env

    def value(self, node: cst.BaseExpression) -> Value:
        return self.interpreter.value(node, self.env())

    def under_no_grad(self) -> bool:
        """Inside ``with torch.no_grad():`` / ``inference_mode()``, or a function decorated with them."""
        for node in reversed(self.ancestors):
            if isinstance(node, cst.With) and any(self._is_no_grad(item.item) for item in node.items):
                return True
            if isinstance(node, cst.FunctionDef) and any(self._is_no_grad(d.decorator) for d in node.decorators):
                return True
        return False

    def _is_no_grad(self, node: cst.BaseExpression) -> bool:
        callee = node.func if isinstance(node, cst.Call) else node
        return self.qualify(callee) in NO_GRAD
