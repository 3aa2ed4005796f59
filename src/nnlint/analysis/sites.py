"""Where calls are: for each call in a module, the statement and scope that evaluate it.

Built once per module on first use (one walk over its statements), so that
"who calls ``train()`` and with what" and "which statement holds this call"
are dictionary look-ups, not whole-module scans.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import libcst as cst

from nnlint.analysis import syntax

Scope = cst.Module | cst.FunctionDef
Site = tuple[Scope, cst.BaseStatement, cst.Call]


@dataclass
class CallIndex:
    by_name: dict[str, list[Site]] = field(default_factory=lambda: defaultdict(list))  # calls of a plain name
    by_attribute: dict[str, list[Site]] = field(default_factory=lambda: defaultdict(list))  # calls of ``x.name``, by name
    by_call: dict[int, Site] = field(default_factory=dict)  # id(call) -> where it is

    @classmethod
    def of(cls, module: cst.Module) -> "CallIndex":
        index = cls()
        for scope, statements in _scopes(module):
            for statement in syntax.walk_statements(statements):
                for part in own_parts(statement):
                    for call in syntax.calls_in(part):
                        site = (scope, statement, call)
                        index.by_call[id(call)] = site
                        if isinstance(call.func, cst.Name):
                            index.by_name[call.func.value].append(site)
                        elif isinstance(call.func, cst.Attribute):
                            index.by_attribute[call.func.attr.value].append(site)
        return index


def _scopes(module: cst.Module) -> list[tuple[Scope, list[cst.BaseStatement]]]:
    scopes: list[tuple[Scope, list[cst.BaseStatement]]] = [(module, list(module.body))]
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


def enclosing_functions(module: cst.Module) -> dict[int, cst.FunctionDef]:
    """id(nested function) -> the function whose body defines it (methods and module-level functions are absent)."""
    found: dict[int, cst.FunctionDef] = {}
    for scope, statements in _scopes(module):
        if isinstance(scope, cst.FunctionDef):
            found.update((id(statement), scope) for statement in syntax.walk_statements(statements) if isinstance(statement, cst.FunctionDef))
    return found


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
