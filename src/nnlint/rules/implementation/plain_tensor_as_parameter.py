from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.modules import (
    attribute_registered_elsewhere,
    enclosing_module_method,
    first_param,
    self_attribute,
)
from nnlint.analysis.torch_api import PARAMETER_CLASSES
from nnlint.analysis.project import ClassInfo
from nnlint.rule import Invalid, Rule, Valid

#: methods that return a tensor still not registered (and no longer a leaf, for the device moves)
_PEELED = frozenset(("to", "cuda", "float", "double", "half", "bfloat16", "requires_grad_", "contiguous"))


class PlainTensorAsParameter(Rule):
    """A learnable tensor of a module is a plain tensor with `requires_grad=True`, not an `nn.Parameter`.

    ## What it does
    In `__init__` of an `nn.Module` subclass, reports `self.x = torch.*(...,
    requires_grad=True)`, `self.x = torch.*(...).requires_grad_()` (also behind
    `.to()`/`.cuda()`, and the old `Variable(..., requires_grad=True)`), and
    `self.x.requires_grad = True` / `self.x.requires_grad_()` on a tensor made
    with a torch function — when `__init__` does not wrap it into an
    `nn.Parameter` afterwards or hand it to a call (`nn.ParameterList([...])`,
    `register_parameter`). Tensors without `requires_grad` (constants, masks:
    buffers) and classes that are not modules (hand-written training code that
    passes its tensors to the optimizer itself) are left alone.

    ## Why is this bad?
    Only `nn.Parameter` attributes (and submodules) are registered: a plain
    tensor is missing from `model.parameters()`, so an optimizer built from it
    never updates the "learnable" scale or gate, `model.to(device)` leaves it on
    the CPU, and `state_dict()` does not save it (checklist item 23). Nothing
    fails: the value simply stays at its initial value. With `.cuda()` after
    `requires_grad=True` it is not even a leaf, so its `.grad` stays `None`.

    ## Example
    ```python
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.alpha = torch.ones(1, requires_grad=True)
    ```

    ## Use instead
    ```python
            self.alpha = nn.Parameter(torch.ones(1))
    ```
    and `self.register_buffer("mask", mask)` for tensors that must move and be
    saved but not be trained.
    """

    code = "NN314"
    name = "plain-tensor-as-parameter"
    checklist = (23,)
    message = "self.{attribute} is a plain tensor with requires_grad, not an nn.Parameter: it is not in {cls}.parameters() (never optimised), not moved by .to() and not saved"
    help = "wrap it: self.x = nn.Parameter(tensor)"
    requires_text = ("requires_grad",)

    valid = [
        Valid("""
            import torch
            import torch.nn as nn
            class Scale(nn.Module):
                def __init__(self, n):
                    super().__init__()
                    self.alpha = nn.Parameter(torch.ones(1), requires_grad=True)
                    self.register_buffer("mask", torch.tril(torch.ones(n, n)))
                    self.eps = torch.tensor(1e-6)
        """, why="a Parameter, a buffer, and a constant that needs no gradient"),
        Valid("""
            import torch
            class LinearRegression:
                def __init__(self, d):
                    self.w = torch.zeros(d, requires_grad=True)
                    self.b = torch.zeros(1, requires_grad=True)
            model = LinearRegression(3)
            optimizer = torch.optim.SGD([model.w, model.b], lr=0.1)
        """, why="not an nn.Module: the tensors are given to the optimizer by hand"),
        Valid("""
            import torch
            import torch.nn as nn
            class Gate(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.g = torch.zeros(d, requires_grad=True)
                    self.g = nn.Parameter(self.g)
                    self.w = torch.randn(d, d, requires_grad=True)
                    self.params = nn.ParameterList([nn.Parameter(self.w)])
        """, why="wrapped into a Parameter / a ParameterList later in __init__"),
        Valid("""
            import torch
            import torch.nn as nn
            class RNN(nn.Module):
                def __init__(self, d, learn_h0):
                    super().__init__()
                    self.h0 = torch.zeros(1, d, requires_grad=learn_h0)
                def forward(self, x):
                    h = torch.zeros(x.size(0), 8, requires_grad=True)
                    return h
        """, why="requires_grad from configuration is unknown; a local tensor in forward is not an attribute"),
    ]
    invalid = [
        Invalid("""
            import torch
            import torch.nn as nn
            class Scale(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.alpha = torch.tensor(0.5, requires_grad=True)
                def forward(self, x):
                    return self.alpha * x
        """, line=6),
        Invalid("""
            import torch as T
            class Attention(T.nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.query = T.randn(d, d).requires_grad_()
        """, line=5),
        Invalid("""
            import torch
            from torch import nn
            class Film(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.gate = torch.zeros(d)
                    self.gate.requires_grad = True
        """, line=7),
        Invalid("""
            import torch
            import torch.nn as nn
            from torch.autograd import Variable
            class Base(nn.Module):
                pass
            class Temperature(Base):
                def __init__(self):
                    super().__init__()
                    self.t = Variable(torch.ones(1), requires_grad=True).cuda()
        """, line=9),
    ]

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1:
            self._check(node, node.targets[0].target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._check(node, node.target, node.value)

    def visit_Call(self, node: cst.Call) -> None:
        """``self.x.requires_grad_()`` on a tensor attribute."""
        if syntax.method_name(node) == "requires_grad_" and syntax.literal_bool(syntax.argument(node, 0, "requires_grad")) is not False:
            assert isinstance(node.func, cst.Attribute)
            self._check_flag(node, node.func.value)

    def _check(self, node: cst.CSTNode, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Attribute) and target.attr.value == "requires_grad" and syntax.literal_bool(value) is True:
            self._check_flag(node, target.value)
            return
        if not isinstance(target, cst.Attribute) or not self._grad_tensor(value) or (found := self._init_of_module()) is None:
            return
        if (attribute := self_attribute(target, found[1])) is None:
            return
        cls = found[0]
        if cls.attributes.get(attribute) is value and not attribute_registered_elsewhere(cls, attribute):
            self.report(node, attribute=attribute, cls=cls.name)

    def _check_flag(self, node: cst.CSTNode, tensor: cst.BaseExpression) -> None:
        if not isinstance(tensor, cst.Attribute) or (found := self._init_of_module()) is None or (attribute := self_attribute(tensor, found[1])) is None:
            return
        cls = found[0]
        made = cls.attributes.get(attribute)
        if self._torch_call(made) and not attribute_registered_elsewhere(cls, attribute):
            self.report(node, attribute=attribute, cls=cls.name)

    def _init_of_module(self) -> tuple[ClassInfo, str] | None:
        """(the module class, its ``self`` name) when the visit is in an ``nn.Module``'s ``__init__``."""
        found = enclosing_module_method(self.context, "__init__")
        owner = first_param(found[1]) if found is not None else None
        return (found[0], owner) if found is not None and owner is not None else None

    def _grad_tensor(self, value: cst.BaseExpression) -> bool:
        """``torch.f(..., requires_grad=True)``, or a torch call with ``.requires_grad_()``, behind device/dtype moves."""
        wants_grad = False
        while isinstance(value, cst.Call) and syntax.method_name(value) in _PEELED and not self.context.qualify(value.func):
            if syntax.method_name(value) == "requires_grad_":
                wants_grad = syntax.literal_bool(syntax.argument(value, 0, "requires_grad")) is not False
            value = value.func.value  # type: ignore[attr-defined]
        if not self._torch_call(value):
            return False
        assert isinstance(value, cst.Call)
        flag = syntax.keyword(value, "requires_grad")
        return wants_grad or (flag is not None and syntax.literal_bool(flag.value) is True)

    def _torch_call(self, value: cst.BaseExpression | None) -> bool:
        qualname = self.context.qualify(value.func) if isinstance(value, cst.Call) else None
        return qualname is not None and qualname.startswith("torch.") and qualname not in PARAMETER_CLASSES and not qualname.startswith("torch.nn.")
