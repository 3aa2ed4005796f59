"""Small helpers over LibCST nodes, shared by the analysis and the rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import cache

import libcst as cst

#: fields that hold only whitespace, punctuation or formatting: never worth visiting
_SKIPPED_FIELDS = frozenset(
    ("lpar", "rpar", "comma", "leading_lines", "lines_after_decorators", "header", "footer", "semicolon", "dot", "equal",
     "newline", "trailing_whitespace", "indent", "asynchronous", "star", "default_indent", "default_newline", "encoding")
)


@cache
def child_fields(node_type: type[cst.CSTNode]) -> tuple[str, ...]:
    return tuple(
        f.name for f in dataclasses.fields(node_type)  # type: ignore[arg-type]
        if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace")
    )


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The syntactic children of ``node`` in source order, without rebuilding anything.

    LibCST's ``node.children`` runs a visitor that re-creates and validates every
    child; reading the dataclass fields directly is several times cheaper.
    """
    for name in child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def call_name(call: cst.Call) -> str | None:
    return dotted_name(call.func)


def method_name(call: cst.Call) -> str | None:
    """``m`` for ``anything.m(...)``."""
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((arg for arg in call.args if arg.keyword is not None and arg.keyword.value == name), None)


def argument(call: cst.Call, position: int, name: str | None = None) -> cst.BaseExpression | None:
    """The expression passed as positional ``position`` or as keyword ``name``."""
    if name is not None and (arg := keyword(call, name)) is not None:
        return arg.value
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return positional[position].value if position < len(positional) else None


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def literal_bool(node: cst.BaseExpression | None) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def names_in(node: cst.CSTNode) -> Iterator[str]:
    """Every plain ``Name`` read inside ``node`` (attribute names excluded)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            yield current.value
            continue
        if isinstance(current, cst.Attribute):
            stack.append(current.value)
            continue
        stack.extend(children(current))


def calls_in(node: cst.CSTNode) -> Iterator[cst.Call]:
    """Every call inside ``node``, not descending into nested functions, classes or lambdas."""
    stack = list(children(node)) if isinstance(node, (cst.FunctionDef, cst.ClassDef)) else [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(current, cst.Call):
            yield current
        stack.extend(reversed(list(children(current))))


def body_statements(node: cst.CSTNode) -> list[cst.BaseStatement]:
    """The statements directly in a module's / compound statement's body."""
    body = getattr(node, "body", None)
    if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)):
        body = body.body
    if isinstance(body, (list, tuple)):
        return [statement for statement in body if isinstance(statement, cst.BaseStatement)]
    return []


def walk_statements(statements: list[cst.BaseStatement]) -> Iterator[cst.BaseStatement]:
    """Every statement, nested ones included, in source order (not into defs or classes)."""
    for statement in statements:
        yield statement
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        for block in _blocks(statement):
            yield from walk_statements(block)


def _blocks(statement: cst.BaseStatement) -> Iterator[list[cst.BaseStatement]]:
    if isinstance(statement, cst.If):
        yield body_statements(statement)
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            yield [orelse]
        elif orelse is not None:
            yield body_statements(orelse)
    elif isinstance(statement, (cst.For, cst.While)):
        yield body_statements(statement)
        if statement.orelse is not None:
            yield body_statements(statement.orelse)
    elif isinstance(statement, cst.With):
        yield body_statements(statement)
    elif isinstance(statement, (cst.Try, cst.TryStar)):
        yield body_statements(statement)
        for handler in statement.handlers:
            yield body_statements(handler)
        for extra in (statement.orelse, statement.finalbody):
            if extra is not None:
                yield body_statements(extra)
    elif isinstance(statement, cst.Match):
        for case in statement.cases:
            yield body_statements(case)


def small_statements(statement: cst.BaseStatement) -> list[cst.BaseSmallStatement]:
    return list(statement.body) if isinstance(statement, cst.SimpleStatementLine) else []
