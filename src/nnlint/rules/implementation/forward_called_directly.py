from __future__ import annotations

import libcst as cst

from nnlint.analysis.modules import (
    enclosing_method,
    first_param,
    is_module_value,
    root_name,
)
from nnlint.diagnostic import Severity
from nnlint.rule import Invalid, Rule, Valid


class ForwardCalledDirectly(Rule):
    """A module's `forward()` is called directly instead of calling the module.

    ## What it does
    Reports `model.forward(x)` when `model` is known to be an `nn.Module` object:
    a `torch.nn` layer, one of the project's module classes, a torchvision/timm
    model — followed through assignments, wrappers and helper functions. Calls on
    `self` (and `self.<submodule>`) inside a class's own methods, `super().forward(...)`,
    `Base.forward(self, x)` and a `forward` passed as a callable
    (`checkpoint(block.forward, x)`) are left alone, as are objects that are not
    modules.

    ## Why is this bad?
    `model(x)` runs `nn.Module.__call__`, which runs the forward pre-hooks, `forward`,
    and the forward hooks; `model.forward(x)` skips the hooks. Tools that work
    through hooks then silently do nothing: pruning masks, weight norm / spectral
    norm (their weights are recomputed in a pre-hook), quantization observers,
    activation recorders, and what `nnlint doctor` and torchinfo report
    (checklist item 22). It is not wrong in itself, hence the low severity.

    ## Example
    ```python
    model = Net()
    for x, y in loader:
        loss = criterion(model.forward(x), y)
    ```

    ## Use instead
    ```python
        loss = criterion(model(x), y)
    ```
    """

    code = "NN312"
    name = "forward-called-directly"
    checklist = (22,)
    message = "{model}.forward(...) skips the module's hooks; call {model}(...) instead"
    help = "call the module itself: model(x) runs the forward hooks, model.forward(x) does not"
    severity = Severity.INFO
    requires_text = (".forward(",)

    valid = [
        Valid("""
            import torch.nn as nn
            class Base(nn.Module):
                def forward(self, x):
                    return x
            class Child(Base):
                def forward(self, x):
                    return super().forward(x) + Base.forward(self, x)
                def predict(self, x):
                    return self.forward(x).argmax(1) + self.head.forward(x)
        """, why="the class's own forward, from its own methods"),
        Valid("""
            class Pipeline:
                def forward(self, batch):
                    return batch
            pipe = Pipeline()
            out = pipe.forward(data)
        """, why="not an nn.Module"),
        Valid("""
            import torch
            import torch.nn as nn
            from torch.utils.checkpoint import checkpoint
            block = nn.Sequential(nn.Linear(8, 8), nn.ReLU())
            y = checkpoint(block.forward, x, use_reentrant=False)
            model = torch.load("model.pt")
            out = model.forward(x)
        """, why="forward passed as a callable; a loaded object of unknown type"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 2)
                def forward(self, x):
                    return self.fc(x)
            model = Net()
            for x, y in loader:
                loss = criterion(model.forward(x), y)
        """, line=10),
        Invalid("""
            from torch import nn
            layer = nn.Linear(3, 4)
            y = layer.forward(x)
            z = nn.ReLU().forward(y)
        """, line=3),
        Invalid("""
            import torch
            import torchvision
            def evaluate(model, images):
                with torch.no_grad():
                    return model.forward(images).argmax(1)
            evaluate(torchvision.models.resnet18(num_classes=10), batch)
        """, line=5),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "forward":
            return
        receiver = func.value
        if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == "super":
            return
        method = enclosing_method(self.context)
        if method is not None and root_name(receiver) == first_param(method[1]):
            return
        if is_module_value(self.context.value(receiver)):
            self.report(node, model=self.context.module.code_for_node(receiver))
