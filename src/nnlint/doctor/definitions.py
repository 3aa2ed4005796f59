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
