"""Where a module-level function is called in its file, with the statement and scope around each call."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax


def call_sites(module: cst.Module, name: str) -> list[tuple[cst.Module | cst.FunctionDef, cst.BaseStatement, cst.Call]]:
    found = []
    for scope, statements in _scopes(module):
        for statement in syntax.walk_statements(statements):
            for part in own_parts(statement):
                for call in syntax.calls_in(part):
                    if isinstance(call.func, cst.Name) and call.func.value == name:
                        found.append((scope, statement, call))
    return found


def _scopes(module: cst.Module) -> list[tuple[cst.Module | cst.FunctionDef, list[cst.BaseStatement]]]:
    scopes: list[tuple[cst.Module | cst.FunctionDef, list[cst.BaseStatement]]] = [(module, list(module.body))]
    index = 0
    while index < len(scopes):
        _, statements = scopes[index]
        for statement in syntax.walk_statements(statements):
            if isinstance(statement, cst.FunctionDef):
                scopes.append((statement, syntax.body_statements(statement.body)))
            elif isinstance(statement, cst.ClassDef):
                scopes.extend((s, syntax.body_statements(s.body)) for s in syntax.body_statements(statement.body) if isinstance(s, cst.FunctionDef))
        index += 1
    return scopes


def own_parts(statement: cst.BaseStatement) -> list[cst.CSTNode]:
    """The expressions a statement evaluates itself (not those of the statements in its body)."""
    if isinstance(statement, cst.SimpleStatementLine):
        return [statement]
    if isinstance(statement, cst.For):
        return [statement.iter]
    if isinstance(statement, (cst.If, cst.While)):
        return [statement.test]
    if isinstance(statement, cst.With):
        return [item.item for item in statement.items]
    if isinstance(statement, cst.Match):
        return [statement.subject]
    return []


def statement_containing(module: cst.Module, node: cst.CSTNode) -> tuple[cst.Module | cst.FunctionDef, cst.BaseStatement] | None:
    """The scope and statement whose own expressions contain ``node`` (found by identity)."""
    for scope, statements in _scopes(module):
        for statement in syntax.walk_statements(statements):
            for part in own_parts(statement):
                if any(call is node for call in syntax.calls_in(part)):
                    return scope, statement
    return None
