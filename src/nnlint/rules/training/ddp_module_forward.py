from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.objects import find_method
from nnlint.analysis.torch_api import GRADIENT_SYNC_WRAPPERS
from nnlint.analysis.training import trains
from nnlint.analysis.values import UNKNOWN, Instance
from nnlint.analysis.wrappers import wrapped_by
from nnlint.rule import Because, Invalid, Rule, Valid


@dataclass(frozen=True)
class _Bypass:
    """``model.module(...)`` on a training path, and the object ``model`` is."""

    call: cst.Call
    model: Instance
    shown: str  # "model.module" as written


class DdpModuleForward(Rule):
    """The training forward of a DDP-wrapped model runs through `model.module`, bypassing DDP.

    ## What it does
    Reports `model.module(x)`, `model.module.forward(x)` and `model.module.step(x)`
    (a method of the model's own class that runs its forward) on a training path —
    inside a loop whose body reaches `backward()`, or in a step function that
    calls `backward()` — when `model` is wrapped in `DistributedDataParallel`.
    Reading `model.module.config`, saving `model.module.state_dict()` and calling
    `model.module(...)` under `torch.no_grad()` or in an evaluation loop are fine.

    ## Why is this bad?
    DDP synchronises gradients through hooks that its own `forward` prepares:
    calling the inner module skips them, so each rank keeps its own gradients,
    the replicas drift apart and the run trains N different models (or hangs
    when the next synchronised step waits for a reduction that never started).
    Checklist item 23.

    ## Example
    ```python
    model = DistributedDataParallel(Net().to(rank), device_ids=[rank])
    for x, y in loader:
        loss = loss_fn(model.module(x), y)
        loss.backward()
    ```

    ## Use instead
    ```python
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
    ```
    and keep `model.module` for what is not a training forward: checkpoints
    (`model.module.state_dict()`), attributes, evaluation on one rank.
    """

    code = "NN421"
    name = "ddp-module-forward"
    checklist = (23,)
    message = "{shown}(...) runs the training forward without DistributedDataParallel: its gradient hooks never fire, gradients are not synchronised across ranks"
    help = "call the DDP wrapper itself (model(x)) for the training forward; keep model.module for checkpoints and attributes"
    requires_text = ("DistributedDataParallel",)

    valid = [
        Valid("""
            import torch
            from torch.nn.parallel import DistributedDataParallel as DDP
            from torchvision.models import resnet18
            model = DDP(resnet18().cuda(), device_ids=[rank])
            for epoch in range(10):
                for x, y in loader:
                    loss_fn(model(x), y).backward()
                torch.save(model.module.state_dict(), "checkpoint.pt")
        """, why="model.module.state_dict() in a checkpoint is not a forward"),
        Valid("""
            import torch
            from torch.nn.parallel import DistributedDataParallel
            from torchvision.models import resnet18
            model = DistributedDataParallel(resnet18().cuda())
            for x, y in loader:
                loss_fn(model(x), y).backward()
            with torch.no_grad():
                for x, y in val_loader:
                    print(model.module(x).argmax(1))
        """, why="evaluation through .module, under no_grad, on one rank"),
        Valid("""
            from torchvision.models import resnet18
            model = resnet18().cuda()
            for x, y in loader:
                loss_fn(model.module(x), y).backward()
        """, why="the model is not wrapped in DDP"),
        Valid("""
            import torch.nn as nn
            from torch.nn.parallel import DistributedDataParallel
            class Head(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.module = nn.Linear(8, 2)
                def forward(self, x):
                    return self.module(x)
            head = Head()
            model = DistributedDataParallel(head)
            for x, y in loader:
                loss_fn(model(x), y).backward()
                print(model.module.config, model.module.generate(x))
        """, why="attribute reads and a method that is not the model's forward"),
        Valid("""
            from torch.nn.parallel import DistributedDataParallel
            from torchvision.models import resnet18
            model = DistributedDataParallel(resnet18().cuda())
            def evaluate(model, loader):
                return [model.module(x) for x, _ in loader]
            for x, y in loader:
                loss_fn(model(x), y).backward()
            evaluate(model, val_loader)
        """, why="the .module forward is in an evaluation helper, which never reaches backward"),
    ]
    invalid = [
        Invalid("""
            from torch.nn.parallel import DistributedDataParallel as DDP
            from torchvision.models import resnet18
            model = DDP(resnet18().to(rank), device_ids=[rank])
            for x, y in loader:
                loss = loss_fn(model.module(x), y)
                loss.backward()
        """, line=5),
        Invalid("""
            import torch.nn as nn
            from torch.nn.parallel import DistributedDataParallel
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 2)
                def forward(self, x):
                    return self.fc(x)
                def compute_loss(self, x, y):
                    return loss_fn(self.fc(x), y)
            def train_step(model, x, y, optimizer):
                loss = model.module.compute_loss(x, y)
                loss.backward()
                optimizer.step()
            model = DistributedDataParallel(Net().cuda())
            for x, y in loader:
                train_step(model, x, y, optimizer)
        """, line=12),
        Invalid("""
            from torch.nn.parallel import DistributedDataParallel
            from torchvision.models import resnet18
            class Trainer:
                def __init__(self):
                    self.model = DistributedDataParallel(resnet18().cuda())
                def fit(self, loader):
                    for x, y in loader:
                        out = self.model.module.forward(x)
                        loss_fn(out, y).backward()
        """, line=8),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._wraps: dict[Instance, cst.Call] = {}
        self._bypasses: list[_Bypass] = []

    def visit_Call(self, node: cst.Call) -> None:
        for wrapped in wrapped_by(self.context, node, GRADIENT_SYNC_WRAPPERS):
            self._wraps.setdefault(wrapped, node)
        inner = self._inner_module(node)
        if inner is None or self.context.under_no_grad() or not self._on_training_path():
            return
        model = self.context.value(inner.value)
        if not isinstance(model, Instance) or self.context.interpreter.member(model, "module", self.context.env()) is not UNKNOWN:
            return  # unknown, or a model with an attribute of its own named ``module``
        if isinstance(node.func, cst.Attribute) and node.func.value is inner and not self._runs_forward(model, node.func.attr.value):
            return
        self._bypasses.append(_Bypass(node, model, self.context.module.code_for_node(inner)))

    def leave_Module(self, original_node: cst.Module) -> None:
        for bypass in self._bypasses:
            wrap = self._wraps.get(bypass.model) or (bypass.model.call if bypass.model.qualname in GRADIENT_SYNC_WRAPPERS and bypass.model.module_key == self.context.info.key else None)
            if wrap is None:
                continue
            self.report(bypass.call, because=(Because(wrap, "the model is wrapped in DistributedDataParallel here"),), shown=bypass.shown)

    @staticmethod
    def _inner_module(call: cst.Call) -> cst.Attribute | None:
        """``model.module`` in ``model.module(x)`` and ``model.module.method(x)``."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "module":
            return func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute) and func.value.attr.value == "module":
            return func.value
        return None

    def _on_training_path(self) -> bool:
        """In a loop whose body reaches backward(), or (outside loops) in a function that does."""
        where = self.context.enclosing(cst.For, cst.While, cst.FunctionDef, cst.ListComp, cst.GeneratorExp, cst.DictComp, cst.SetComp)
        if isinstance(where, (cst.For, cst.While)):
            return trains(where.body, self.context.info)
        return isinstance(where, cst.FunctionDef) and trains(where, self.context.info)

    def _runs_forward(self, model: Instance, method: str) -> bool:
        """``forward``, or a method of the model's own class that calls itself or one of its layers."""
        if method == "forward":
            return True
        function = find_method(model.cls, method) if model.cls is not None else None
        if function is None or not function.node.params.params:
            return False
        this = function.node.params.params[0].name.value
        layers = {name for name, value in self.context.interpreter.initial_fields(model).items() if isinstance(value, Instance)}
        for call in syntax.calls_in(function.node):
            target = call.func.value if isinstance(call.func, cst.Attribute) and call.func.attr.value == "forward" else call.func
            if isinstance(target, cst.Name) and target.value == this:
                return True  # self(x)
            if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == this and target.attr.value in layers:
                return True  # self.fc(x)
        return False
