"""Where a layer is defined in the user's code: the ``self.fc1 = nn.Linear(...)`` line a fix of that layer goes to.

A runtime finding about a layer (its initial scale, its gradient, its dead
units) is fixed where the layer is built or initialised, not where the model is
called. The hooks see module objects; this walks a layer's qualified name up to
the nearest user-defined ancestor class and finds, in that class's source, the
assignment of the attribute that leads down to the layer (a layer inside an
``nn.Sequential`` or ``nn.ModuleList`` lands on the line that builds the
container). A model built at the top of a script (``nn.Sequential(...)``) has no
such class: unknown, and the finding keeps its fallback location.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from types import FrameType

from torch import nn

from nnlint.doctor.findings import Location
from nnlint.doctor.frames import display_path, is_user_file


def definition(model: nn.Module, layer: nn.Module) -> Location | None:
    """The line in a user class that assigns the attribute leading to ``layer`` inside ``model``, or None when unknown."""
    path = _paths(model).get(id(layer))
    if not path:
        return None
    parts = path.split(".")
    modules = [model]
    for part in parts[:-1]:
        modules.append(getattr(modules[-1], part))
    for depth in range(len(parts) - 1, -1, -1):
        line = _assignments(type(modules[depth])).get(parts[depth])
        if line is not None:
            return Location(display_path(line[0]), line[1])
    return None


def _paths(model: nn.Module) -> dict[int, str]:
    return {id(module): name for name, module in model.named_modules() if name}


@functools.cache
def _assignments(cls: type) -> dict[str, tuple[str, int]]:
    """``attribute -> (file, 0-based line)`` for every ``self.attribute = ...`` in a user class's own source."""
    try:
        filename = inspect.getsourcefile(cls)
        if filename is None or not is_user_file(filename):
            return {}
        lines, first = inspect.getsourcelines(cls)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return {}
    found: dict[str, tuple[str, int]] = {}
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                found.setdefault(target.attr, (filename, first + node.lineno - 2))
    return found


def binding(value: object, frame: FrameType | None) -> Location | None:
    """The line that built ``value`` (``optimizer = SGD(...)``, ``loader = DataLoader(...)``), found from the user frame that uses it.

    The frame's variables say which name holds ``value``; the frame's own
    scope in its source file says where that name is bound to a call. Known only
    when exactly one such assignment exists in that scope (else None).
    """
    if frame is None or not is_user_file(frame.f_code.co_filename):
        return None
    names = [name for name, bound in {**frame.f_globals, **frame.f_locals}.items() if bound is value]
    module_level = frame.f_code.co_name == "<module>"
    scope = _scope(frame.f_code.co_filename, None if module_level else frame.f_code.co_firstlineno)
    lines = {node.lineno for node in scope for name in names if _binds_call(node, name)} if scope else set()
    return Location(display_path(frame.f_code.co_filename), lines.pop() - 1) if len(lines) == 1 else None


def _binds_call(node: ast.stmt, name: str) -> bool:
    if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Call):
        return False
    return any(isinstance(target, ast.Name) and target.id == name for target in node.targets)


@functools.lru_cache(maxsize=64)
def _tree(filename: str) -> ast.Module | None:
    try:
        with open(filename, encoding="utf-8") as source:
            return ast.parse(source.read())
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None


def _scope(filename: str, first_line: int | None) -> list[ast.stmt]:
    """The statements of the module (``first_line`` None) or of the function starting at ``first_line``, nested blocks included."""
    tree = _tree(filename)
    if tree is None:
        return []
    body: list[ast.stmt] = tree.body
    if first_line is not None:
        functions = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and min([node.lineno, *(d.lineno for d in node.decorator_list)]) == first_line]
        if len(functions) != 1:
            return []
        body = functions[0].body
    found: list[ast.stmt] = []
    pending = list(body)
    while pending:
        node = pending.pop()
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            pending.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt))
    return found
