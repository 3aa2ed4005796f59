"""What the model's own source says: where things are defined, assigned and used.

Two questions the graph cannot answer: which line built a module that the
forward pass never touches (``self.proj = nn.Linear(...)``), and whether some
method other than ``__init__`` refers to it at all (then it is used on a path
this trace did not take, such as the other side of a shape-dependent ``if``).
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from functools import lru_cache

from torch import nn

from nnlint.trace.frames import Location


def definition(obj: object) -> Location | None:
    """Where a class or function is defined."""
    try:
        _, start = inspect.getsourcelines(obj)  # type: ignore[arg-type]
        path = inspect.getsourcefile(obj)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return None
    return (path, max(start, 1)) if path else None


def _classes(owner: nn.Module) -> list[type]:
    """The user's classes of ``owner``, most derived first (nn.Module and above excluded)."""
    found = []
    for cls in type(owner).__mro__:
        if cls is nn.Module or cls is object:
            break
        found.append(cls)
    return found


def attribute_location(owner: nn.Module, attribute: str) -> Location | None:
    """The ``self.<attribute> = ...`` line in the class (or a base class) of ``owner``."""
    pattern = re.compile(rf"^\s*self\.{re.escape(attribute)}\s*(:[^=]*)?=(?!=)")
    for cls in _classes(owner):
        try:
            lines, start = inspect.getsourcelines(cls)
            path = inspect.getsourcefile(cls)
        except (OSError, TypeError):
            continue
        for offset, line in enumerate(lines):
            if path and pattern.match(line):
                return path, start + offset
    return None


@lru_cache(maxsize=512)
def _read_attributes(cls: type) -> frozenset[str]:
    """``self.X`` names read by the methods of ``cls`` other than ``__init__``."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    names = set()
    for method in ast.walk(tree):
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or method.name == "__init__":
            continue
        for node in ast.walk(method):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
                names.add(node.attr)
    return frozenset(names)


def used_in_methods(owner: nn.Module, attribute: str) -> bool:
    """Whether a method of ``owner`` other than ``__init__`` mentions ``self.<attribute>``."""
    return any(attribute in _read_attributes(cls) for cls in _classes(owner))
