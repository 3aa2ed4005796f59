from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.modules import (
    attribute_registered_elsewhere,
    enclosing_module_method,
    first_param,
    is_module_value,
    self_attribute,
)
from nnlint.analysis.torch_api import PARAMETER_CLASSES
from nnlint.analysis.project import ClassInfo
from nnlint.analysis.values import Instance, Sequence
from nnlint.rule import Invalid, Rule, Valid

_LISTS = (cst.List, cst.Tuple, cst.ListComp)
_DICTS = (cst.Dict, cst.DictComp)
_ADDING = frozenset(("append", "extend", "insert", "update", "setdefault"))


class ModulesInPlainContainer(Rule):
    """Submodules or parameters kept in a plain Python list or dict are never registered.

    ## What it does
    In `__init__` of an `nn.Module` subclass, reports `self.x = [...]`, `(...)`,
    `{...}` or a comprehension holding layers or `nn.Parameter`s built right
    there (`[nn.Linear(d, d) for _ in range(n)]`, `{"cls": Head()}`), and
    `self.x.append(Block())` / `self.x[k] = nn.Linear(...)` / `self.x = self.x + [Block()]`
    on such a container (a list grown by concatenation is reported on its `[]`, where the
    fix goes).
    One finding per container. Left alone: lists of already registered attributes
    (`[self.fc1, self.fc2]`), a single object in a one-element list
    (`self._teacher = [Teacher()]`, the idiom for keeping a frozen network out of
    `parameters()` and `state_dict()`), lists of numbers, classes that are not
    modules (a trainer holding its models), and containers registered after all —
    reassigned as `nn.ModuleList(self.x)`, unpacked into `nn.Sequential(*self.x)`,
    or walked with `add_module` / `register_parameter` / `setattr` under computed
    names. A local list filled in a loop and assigned afterwards
    (`self.layers = layers`) is not followed.

    ## Why is this bad?
    `nn.Module` finds its submodules and parameters through its attributes, and
    does not look inside Python lists and dicts. Those layers are missing from
    `model.parameters()` — the optimizer never updates them, so they keep their
    random initial weights — `model.to(device)` leaves them on the CPU, and
    `state_dict()` does not save them (checklist item 23). On the CPU the forward
    pass still runs, so the only symptom is a model that learns worse than it
    should; on a GPU it fails with a device mismatch.

    ## Example
    ```python
    class MLP(nn.Module):
        def __init__(self, d, n):
            super().__init__()
            self.layers = [nn.Linear(d, d) for _ in range(n)]
    ```

    ## Use instead
    ```python
            self.layers = nn.ModuleList([nn.Linear(d, d) for _ in range(n)])
    ```
    (`nn.ModuleDict` for dicts, `nn.ParameterList` / `nn.ParameterDict` for parameters).
    """

    code = "NN308"
    name = "modules-in-plain-container"
    checklist = (23,)
    message = "self.{attribute} keeps {what} in a plain {container}: they are not registered, so {cls}.parameters() misses them (never optimised), .to() does not move them and state_dict() does not save them"
    help = "use nn.ModuleList / nn.ModuleDict (nn.ParameterList / nn.ParameterDict for parameters)"
    requires_text = ("nn", "Module")

    valid = [
        Valid("""
            import torch.nn as nn
            class Block(nn.Module):
                pass
            class Net(nn.Module):
                def __init__(self, depth):
                    super().__init__()
                    self.layers = nn.ModuleList()
                    for _ in range(depth):
                        self.layers = self.layers + [Block()]
                        self.layers += [Block()]
        """, why="ModuleList + list is a ModuleList: every block is registered"),
        Valid("""
            import torch.nn as nn
            class Teacher(nn.Module):
                pass
            class MLP(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.fc1 = nn.Linear(d, d)
                    self.fc2 = nn.Linear(d, d)
                    self.layers = [self.fc1, self.fc2]
                    self.sizes = [d, 2 * d]
                    self._teacher = [Teacher()]
                    self.heads = nn.ModuleDict({"a": nn.Linear(d, 1)})
        """, why="registered attributes already; numbers; a frozen teacher hidden on purpose"),
        Valid("""
            import torch.nn as nn
            class Trainer:
                def __init__(self):
                    self.models = [Generator(), Discriminator()]
            class Generator(nn.Module):
                pass
            class Discriminator(nn.Module):
                pass
        """, why="the holder is not an nn.Module"),
        Valid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self, n):
                    super().__init__()
                    self.blocks = [nn.Linear(8, 8) for _ in range(n)]
                    self.blocks = nn.ModuleList(self.blocks)
                    self.stages = [nn.Conv2d(3, 8, 3), nn.ReLU()]
                    self.body = nn.Sequential(*self.stages)
        """, why="registered later in __init__: reassigned as a ModuleList, unpacked into a Sequential"),
        Valid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self, n):
                    super().__init__()
                    self.layers = [nn.Linear(8, 8) for _ in range(n)]
                    for i, layer in enumerate(self.layers):
                        self.add_module(f"layer{i}", layer)
        """, why="registered by hand with add_module"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            class MLP(nn.Module):
                def __init__(self, d, n):
                    super().__init__()
                    self.layers = [nn.Linear(d, d) for _ in range(n)]
                def forward(self, x):
                    for layer in self.layers:
                        x = layer(x)
                    return x
        """, line=5),
        Invalid("""
            from torch import nn
            class MultiTask(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.heads = {"cls": nn.Linear(d, 10), "box": nn.Linear(d, 4)}
        """, line=5),
        Invalid("""
            import torch.nn as nn
            class Block(nn.Module):
                pass
            class Net(nn.Module):
                def __init__(self, depth):
                    super().__init__()
                    self.blocks = []
                    for _ in range(depth):
                        self.blocks.append(Block())
        """, line=9),
        Invalid("""
            import torch
            import torch.nn as nn
            class Scales(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.scales = [nn.Parameter(torch.ones(1)) for _ in range(4)]
        """, line=6),
        Invalid("""
            import torch.nn as nn
            class Block(nn.Module):
                pass
            class Net(nn.Module):
                def __init__(self, depth):
                    super().__init__()
                    self.layers = []
                    for _ in range(depth):
                        self.layers = self.layers + [Block()]
        """, line=7),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._reported: set[tuple[int, str]] = set()  # (class, attribute): one finding per container

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Subscript):
                self._added(node, target.target.value, [node.value])
            elif (added := self._concatenated(target.target, node.value)) is not None:
                self._added(node, target.target, added)
            else:
                self._assigned(node, target.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.AddAssign) and isinstance(node.value, _LISTS):
            self._added(node, node.target, _elements(node.value))

    def _concatenated(self, target: cst.BaseExpression, value: cst.BaseExpression) -> list[cst.BaseExpression] | None:
        """The new elements of ``self.x = self.x + [Block()]``."""
        if not (isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add) and isinstance(value.right, (cst.List, cst.Tuple))):
            return None
        module = self.context.module
        return _elements(value.right) if module.code_for_node(value.left) == module.code_for_node(target) else None

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assigned(node, node.target, node.value)

    def visit_Call(self, node: cst.Call) -> None:
        if syntax.method_name(node) in _ADDING:
            assert isinstance(node.func, cst.Attribute)
            arguments = [arg.value for arg in node.args]
            items = [element.value for a in arguments if isinstance(a, (cst.List, cst.Tuple)) for element in a.elements]
            self._added(node, node.func.value, [*arguments, *items])

    def _assigned(self, node: cst.CSTNode, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if not isinstance(value, (*_LISTS, *_DICTS)) or (found := self._attribute_in_init(target)) is None:
            return
        cls, attribute = found
        if cls.attributes.get(attribute) is value:
            self._check(node, cls, attribute, value, _elements(value))

    def _added(self, node: cst.CSTNode, container: cst.BaseExpression, values: list[cst.BaseExpression]) -> None:
        found = self._attribute_in_init(container)
        if found is None:
            return
        cls, attribute = found
        made = cls.attributes.get(attribute)
        if isinstance(made, (*_LISTS, *_DICTS)):
            self._check(node, cls, attribute, made, values)
        elif isinstance(plain := self.context.value(container), Sequence):  # a plain list, as the model follows it
            made_here = plain.origin is not None and self.context.positions.range_of(plain.origin) is not None
            self._check(plain.origin if made_here and plain.origin is not None else node, cls, attribute, None, values)

    def _attribute_in_init(self, target: cst.BaseExpression) -> tuple[ClassInfo, str] | None:
        if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)):
            return None
        found = enclosing_module_method(self.context, "__init__")
        owner = first_param(found[1]) if found is not None else None
        attribute = self_attribute(target, owner) if owner is not None else None
        return (found[0], attribute) if found is not None and attribute is not None else None

    def _check(self, node: cst.CSTNode, cls: ClassInfo, attribute: str, container: cst.BaseExpression | None, values: list[cst.BaseExpression]) -> None:
        if (id(cls.node), attribute) in self._reported or (container is not None and _hiding(container)):
            return
        kinds = {self._kind(value) for value in values} - {None}
        if not kinds or attribute_registered_elsewhere(cls, attribute):
            return
        self._reported.add((id(cls.node), attribute))
        what = "modules" if kinds == {"modules"} else "parameters" if kinds == {"parameters"} else "modules and parameters"
        self.report(node, attribute=attribute, what=what, container="dict" if isinstance(container, _DICTS) else "list", cls=cls.name)

    def _kind(self, value: cst.BaseExpression) -> str | None:
        """``modules`` / ``parameters`` for a layer or parameter built by this very expression."""
        if not isinstance(value, cst.Call):
            return None
        if self.context.qualify(value.func) in PARAMETER_CLASSES:
            return "parameters"
        made = self.context.value(value)
        return "modules" if isinstance(made, Instance) and is_module_value(made) else None


def _hiding(container: cst.BaseExpression) -> bool:
    """``self._teacher = [Teacher()]``: one object in a one-element list is the idiom for keeping it out of the parameters."""
    return isinstance(container, (cst.List, cst.Tuple)) and len(container.elements) == 1


def _elements(container: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(container, (cst.List, cst.Tuple)):
        return [element.value for element in container.elements]
    if isinstance(container, cst.ListComp):
        return [container.elt]
    if isinstance(container, cst.Dict):
        return [element.value for element in container.elements if isinstance(element, cst.DictElement)]
    return [container.value] if isinstance(container, cst.DictComp) else []
