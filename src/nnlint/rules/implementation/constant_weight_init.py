from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.modules import (
    attribute_values,
    class_info,
    enclosing_module_method,
    first_param,
    functions_applied_to_models,
    isinstance_types,
    literal_number,
    self_attribute,
)
from nnlint.analysis.torch_api import CONSTANT_INITS, WEIGHTED_LAYERS
from nnlint.analysis.training import is_model
from nnlint.analysis.values import Instance, short
from nnlint.rule import Invalid, Rule, Valid

_METHODS: dict[str, float | None] = {"zero_": 0.0, "fill_": None}
_REINIT = frozenset(("apply", "reset_parameters"))


@dataclass
class _Named:
    """Constant inits of a module class's own layers (``self.fc1.weight``), judged when the class ends."""

    calls: list[tuple[cst.Call, str, str, float]] = field(default_factory=list)  # (call, init, attribute, value)


class ConstantWeightInit(Rule):
    """Every layer's weights are initialised to a constant, so the units of a layer start (and stay) identical.

    ## What it does
    Reports `nn.init.zeros_` / `ones_` / `constant_`, `.fill_(c)` and `.zero_()` on
    the `weight` of `Linear`, `Conv*`, `ConvTranspose*` and `Embedding` layers when
    they reach every such layer of the model:
    - the call is guarded by `isinstance(m, nn.Linear)` inside `for m in
      model.modules()` (or `self.modules()`), or in a function given to
      `model.apply(...)` / `self.apply(...)`;
    - or a module class sets the weights of all its (two or more) layers of those
      types to constants (`self.fc1.weight.data.zero_()`, `self.fc2...`).

    Silent on purpose: biases; the scale (`weight`) of BatchNorm/LayerNorm/GroupNorm
    (1 is the standard init, 0 the zero-init-residual trick); layers of unknown
    type; inits applied to part of a model (`self.head.modules()`, `isinstance(m,
    nn.Linear) and m.out_features == n`); and **constants on some named layers
    while the others are random**: zero-initialising the last layer of a residual
    branch or of the network (Goyal et al.'s zero-init residual, Fixup, ReZero,
    DiT's adaLN-Zero, ControlNet's zero convolutions) makes a block start as the
    identity and trains fine, because the random layers around it break the
    symmetry. A constant filter whose weight is frozen (`requires_grad = False` in
    the same function, e.g. a fixed box blur) is not reported either.

    ## Why is this bad?
    When consecutive layers all start from constants, the units of a layer
    compute the same output and receive the same gradient, so they stay equal
    forever: a layer of 512 units trains like a layer of one (checklist item 28).
    With zeros behind a ReLU nothing flows at all: the activations are 0, the
    gradients through them are 0, and the layers before never learn.

    ## Example
    ```python
    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)
    model.apply(init_weights)
    ```

    ## Use instead
    ```python
    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")  # or xavier_uniform_ for tanh/sigmoid
            nn.init.zeros_(m.bias)                                   # zero biases are fine
    ```
    """

    code = "NN313"
    name = "constant-weight-init"
    checklist = (28,)
    message = "{init} sets {target} to the constant {value}: their units start identical, get identical gradients and stay identical"
    help = "initialise weights randomly (nn.init.kaiming_uniform_ / xavier_uniform_); constants are for biases and norm scales"
    requires_text = ("weight",)

    valid = [
        Valid("""
            import torch.nn as nn
            class ResNetish(nn.Module):
                def __init__(self):
                    super().__init__()
                    for m in self.modules():
                        if isinstance(m, nn.Conv2d):
                            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                            nn.init.constant_(m.weight, 1)
                            nn.init.constant_(m.bias, 0)
                        elif isinstance(m, nn.Linear):
                            nn.init.normal_(m.weight, 0, 0.01)
                            m.bias.data.fill_(0.01)
        """, why="random weights; constants only for biases and norm-layer scales"),
        Valid("""
            import torch.nn as nn
            class Block(nn.Module):
                def __init__(self, dim):
                    super().__init__()
                    self.fc1 = nn.Linear(dim, 4 * dim)
                    self.fc2 = nn.Linear(4 * dim, dim)
                    self.head = nn.Sequential(nn.Linear(dim, dim), nn.Linear(dim, 10))
                    self.norm = nn.LayerNorm(dim)
                    nn.init.zeros_(self.fc2.weight)
                    nn.init.constant_(self.norm.weight, 0.0)
                    for m in self.head.modules():
                        if isinstance(m, nn.Linear):
                            nn.init.zeros_(m.weight)
        """, why="zero-init of a residual branch's last layer and of the head; fc1 stays random"),
        Valid("""
            import torch.nn as nn
            class Blur(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv = nn.Conv2d(3, 3, 3, padding=1, groups=3, bias=False)
                    self.conv.weight.data.fill_(0.111)
                    self.conv.weight.requires_grad = False
        """, why="a fixed averaging filter, not a learned layer"),
        Valid("""
            import torch.nn as nn
            def init_fn(m):
                nn.init.constant_(m.weight, 0.5)
            def init_head(m):
                if isinstance(m, nn.Linear) and m.out_features == 10:
                    nn.init.zeros_(m.weight)
            def init_linear(m):
                if isinstance(m, nn.Linear):
                    nn.init.zeros_(m.weight)
            model.apply(init_fn)
            model.classifier.apply(init_linear)
        """, why="the layer type is unknown, one particular layer is chosen, or only a part of the model"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            def init_weights(m):
                if isinstance(m, nn.Linear):
                    nn.init.zeros_(m.weight)
                    nn.init.zeros_(m.bias)
            model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
            model.apply(init_weights)
        """, line=4),
        Invalid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv = nn.Conv2d(3, 16, 3)
                    self.fc = nn.Linear(16, 10)
                    for m in self.modules():
                        if isinstance(m, (nn.Conv2d, nn.Linear)):
                            m.weight.data.fill_(0.01)
        """, line=9),
        Invalid("""
            import torch
            from torch.nn import init
            class MLP(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = torch.nn.Linear(784, 256)
                    self.fc2 = torch.nn.Linear(256, 10)
                    init.constant_(self.fc1.weight, 0.5)
                    self.fc2.weight.data.zero_()
        """, line=8),
        Invalid("""
            import torch
            from torch import nn
            class Generator(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.net = nn.Sequential(nn.ConvTranspose2d(100, 64, 4), nn.BatchNorm2d(64), nn.ConvTranspose2d(64, 3, 4))
                    self.apply(self._init)
                @staticmethod
                def _init(m):
                    if isinstance(m, nn.BatchNorm2d):
                        nn.init.ones_(m.weight)
                    elif isinstance(m, nn.ConvTranspose2d):
                        with torch.no_grad():
                            m.weight.zero_()
        """, line=14),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._named: dict[int, _Named] = {}  # id(ClassDef) -> its layers' constant inits

    def visit_Call(self, node: cst.Call) -> None:
        found = self._constant_init(node)
        if found is None:
            return
        layer, value, init = found
        guarded = self._guarded_types(layer)
        if guarded:
            if self._whole_model(layer.value):  # type: ignore[attr-defined]
                self.report(node, init=init, target=f"the weight of every {', '.join(guarded)} of the model", value=_number(value))
            return
        method = enclosing_module_method(self.context)
        owner = first_param(method[1]) if method is not None else None
        attribute = self_attribute(layer, owner) if owner is not None else None
        if method is not None and attribute is not None and not self._frozen():
            self._named.setdefault(id(method[0].node), _Named()).calls.append((node, init, attribute, value))

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        named = self._named.pop(id(node), None)
        if named is None:
            return
        cls = class_info(node, self.context.info)
        layers = {name: value.qualname for name, value in attribute_values(cls).items() if isinstance(value, Instance) and value.qualname in WEIGHTED_LAYERS}
        init = cls.methods.get("__init__")
        reinit = init is not None and any(syntax.method_name(call) in _REINIT for call in syntax.calls_in(init.node))
        if len(layers) < 2 or reinit or not layers.keys() <= {attribute for _, _, attribute, _ in named.calls}:
            return
        for call, how, attribute, value in named.calls:
            target = f"self.{attribute}.weight ({short(layers[attribute])}), like every layer of {cls.name},"
            self.report(call, init=how, target=target, value=_number(value))

    def _constant_init(self, node: cst.Call) -> tuple[cst.BaseExpression, float, str] | None:
        """(the layer whose weight is set, the constant, how it is written) for a constant init of a ``weight``."""
        qualname = self.context.qualify(node.func)
        if qualname in CONSTANT_INITS:
            target, value, init = syntax.argument(node, 0, "tensor"), CONSTANT_INITS[qualname], f"nn.init.{qualname.rsplit('.', 1)[-1]}"
            if value is None:
                value = literal_number(syntax.argument(node, 1, "val"))
        elif (method := syntax.method_name(node)) in _METHODS and isinstance(node.func, cst.Attribute):
            target, value, init = node.func.value, _METHODS[method], f".{method}()"
            if value is None:
                value = literal_number(syntax.argument(node, 0, "value"))
        else:
            return None
        if isinstance(target, cst.Attribute) and target.attr.value == "data":
            target = target.value
        if value is None or not isinstance(target, cst.Attribute) or target.attr.value != "weight":
            return None
        return target.value, value, init

    def _guarded_types(self, layer: cst.BaseExpression) -> list[str]:
        """The layer types that enclosing ``if isinstance(layer, ...)`` guards allow, if all are weighted layers."""
        if not isinstance(layer, cst.Name):
            return []
        ancestors = self.context.ancestors
        found: list[str] = []
        for index in range(len(ancestors) - 2, -1, -1):
            node = ancestors[index]
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                break
            if not isinstance(node, cst.If) or ancestors[index + 1] is not node.body:
                continue  # an ``elif``/``else`` branch narrows nothing further
            types = isinstance_types(node.test, layer.value, self.context.info)
            if types is None or not all(t in WEIGHTED_LAYERS for t in types):
                return []
            found.extend(short(t) for t in types if short(t) not in found)
        return found

    def _whole_model(self, layer: str) -> bool:
        """Whether the guarded init reaches every layer: ``for layer in <model>.modules()`` around it, or its
        function given to ``<model>.apply(...)`` somewhere in this file (``self`` counts as a model)."""
        for node in reversed(self.context.ancestors):
            if isinstance(node, cst.For) and isinstance(node.target, cst.Name) and node.target.value == layer:
                iterated = node.iter
                return syntax.method_name(iterated) == "modules" and self._model(iterated.func.value) if isinstance(iterated, cst.Call) else False  # type: ignore[attr-defined]
            if isinstance(node, cst.FunctionDef):
                return node.name.value in functions_applied_to_models(self.context.info)
        return False

    def _model(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and is_model(self.context.value(node))

    def _frozen(self) -> bool:
        scope = self.context.scope()
        return "requires_grad" in self.context.module.code_for_node(scope) if isinstance(scope, cst.FunctionDef) else False


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)
