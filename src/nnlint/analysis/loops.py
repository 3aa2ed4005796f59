"""Visiting training loops: where a loop sits, how it is indented, what encloses a statement.

What the loop rules (NN401-NN420) share about a loop itself, apart from what happens in it
(``optim.loop_events``): the function it lies in, the indentation a fix inserted there needs,
the ``with`` / ``if`` statements around a statement, and the mixin that visits every loop.
"""

from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax

Loop = cst.For | cst.While
Scope = cst.Module | cst.FunctionDef


class EachLoop:
    """Mixin for rules that judge every ``for`` and ``while`` loop the same way: they define ``_check(loop)``."""

    def _check(self, loop: Loop) -> None:
        raise NotImplementedError

    def visit_For(self, node: cst.For) -> None:
        self._check(node)

    def visit_While(self, node: cst.While) -> None:
        self._check(node)


def loop_scope(ancestors: list[cst.CSTNode], module: cst.Module) -> Scope:
    """The function (or module) a loop being visited lies in."""
    found = next((node for node in reversed(ancestors[:-1]) if isinstance(node, cst.FunctionDef)), None)
    return found if isinstance(found, cst.FunctionDef) else module


def indentation(ancestors: list[cst.CSTNode], module: cst.Module) -> str:
    """The absolute indentation of the node being visited (the last ancestor)."""
    return "".join(block_indent(node, module) for node in ancestors[:-1] if isinstance(node, cst.IndentedBlock))


def block_indent(block: object, module: cst.Module) -> str:
    """The indentation an indented block adds (the module's default where the block does not say)."""
    if isinstance(block, cst.IndentedBlock):
        return block.indent if block.indent is not None else module.default_indent
    return ""


def enclosing_statements(scope: Scope, target: cst.BaseStatement) -> list[cst.BaseStatement] | None:
    """The compound statements of ``scope`` that ``target`` lies in, outermost first (None: not in ``scope``)."""
    statements: list[cst.BaseStatement] = list(scope.body) if isinstance(scope, cst.Module) else syntax.body_statements(scope.body)
    return _find(statements, target, [])


def _find(statements: list[cst.BaseStatement], target: cst.BaseStatement, around: list[cst.BaseStatement]) -> list[cst.BaseStatement] | None:
    for statement in statements:
        if statement is target:
            return around
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        for block in _child_blocks(statement):
            found = _find(block, target, [*around, statement])
            if found is not None:
                return found
    return None


def _child_blocks(statement: cst.BaseStatement) -> list[list[cst.BaseStatement]]:
    blocks = [syntax.body_statements(statement)] if not isinstance(statement, cst.SimpleStatementLine) else []
    for name in ("orelse", "finalbody"):
        extra = getattr(statement, name, None)
        if isinstance(extra, cst.If):
            blocks.append([extra])
        elif extra is not None:
            blocks.append(syntax.body_statements(extra))
    blocks.extend(syntax.body_statements(item) for item in getattr(statement, "handlers", ()))
    blocks.extend(syntax.body_statements(case) for case in getattr(statement, "cases", ()))
    return blocks
