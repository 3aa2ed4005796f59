"""A small harness for the semantic model, in the spirit of pyflakes' ``self.flakes(src, ...)``.

``value_at(source, "name")`` gives what the model says ``name`` holds at the line
marked ``# <-``; multi-file projects are written to a temporary directory first.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.interpreter import interpreter_for
from nnlint.analysis.project import ModuleInfo, Project
from nnlint.analysis.sites import _scopes
from nnlint.analysis.values import Value

MARK = "# <-"


def module(source: str, path: Path | None = None) -> ModuleInfo:
    tree = cst.parse_module(textwrap.dedent(source))
    return Project().module_for(path, tree)


def project(tmp_path: Path, files: dict[str, str], main: str) -> ModuleInfo:
    """Write ``files`` (name -> source) under ``tmp_path`` and load ``main`` as the checked file."""
    (tmp_path / "pyproject.toml").write_text("")
    for name, source in files.items():
        (tmp_path / name).write_text(textwrap.dedent(source))
    path = tmp_path / main
    return Project().module_for(path, cst.parse_module(path.read_text()))


def marked_statement(info: ModuleInfo) -> tuple[cst.Module | cst.FunctionDef, cst.BaseStatement]:
    """The scope and statement of the line that carries ``# <-``."""
    for scope, statements in _scopes(info.module):
        for statement in syntax.walk_statements(statements):
            if isinstance(statement, cst.FunctionDef):
                continue
            code = info.module.code_for_node(statement).splitlines()
            if code and MARK in next((line for line in code if line.strip() and not line.strip().startswith("#")), ""):
                return scope, statement
    raise AssertionError(f"no statement is marked with {MARK!r}")


def value_at(info: ModuleInfo | str, expression: str) -> Value:
    """What ``expression`` holds just before the marked statement."""
    found = module(info) if isinstance(info, str) else info
    scope, statement = marked_statement(found)
    interpreter = interpreter_for(found)
    return interpreter.value(cst.parse_expression(expression), interpreter.env_before(statement, scope))
