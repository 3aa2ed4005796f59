from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.pipelines import (
    batch_names,
    built_at,
    constructor_argument,
    loader_of,
    number,
    zoo_batchnorm,
)
from nnlint.analysis.training import (
    mode_dependent_layers,
    model_call_target,
    trains,
)
from nnlint.analysis.values import Mode
from nnlint.rule import Invalid, Rule, Valid


class BatchNormBatchOfOne(Rule):
    """A training DataLoader with `batch_size=1` feeds a model with BatchNorm in training mode.

    ## What it does
    Reports a `DataLoader` built with a known `batch_size` of 1 whose batches reach
    `backward()` through a model — a project `nn.Module`, an `nn.Sequential`, a
    torchvision model — that contains BatchNorm layers and is in training mode there.
    Loops that reshape the batch (`x.squeeze(0)`, `x[0]`: datasets that return whole
    batches) and models put in eval mode to freeze BatchNorm are left alone.

    ## Why is this bad?
    In training mode BatchNorm normalises with the statistics of the current batch.
    With one sample there are none to speak of: `BatchNorm1d` raises "Expected more than
    1 value per channel when training", and `BatchNorm2d` normalises each image by its
    own mean and variance (an instance norm) while its running averages — used at
    evaluation — describe something else entirely. The model trains on one input
    distribution and is evaluated on another (checklist items 11 and 32).

    ## Example
    ```python
    loader = DataLoader(train_set, batch_size=1, shuffle=True)
    model = nn.Sequential(nn.Linear(20, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 2))
    for x, y in loader:
        loss_fn(model(x), y).backward()
    ```

    ## Use instead
    A larger batch (with gradient accumulation if memory is short), or a normalisation
    that does not depend on the batch (`GroupNorm`, `LayerNorm`), or BatchNorm frozen in
    eval mode when fine-tuning with tiny batches.
    """

    code = "NN103"
    name = "batchnorm-batch-of-one"
    checklist = (11, 32)
    message = "batches of one sample train {model}, which has {layers}: BatchNorm normalises each sample by its own statistics"
    help = "use a batch size of at least 16 (accumulate gradients if memory is short), or GroupNorm/LayerNorm"
    requires_text = ("DataLoader",)

    valid = [
        Valid("""
            import torch.nn as nn
            from torch.utils.data import DataLoader
            model = nn.Sequential(nn.Linear(20, 64), nn.LayerNorm(64), nn.ReLU(), nn.Linear(64, 2))
            for x, y in DataLoader(train_set, batch_size=1, shuffle=True):
                loss_fn(model(x), y).backward()
        """, why="LayerNorm does not depend on the batch"),
        Valid("""
            import torchvision
            from torch.utils.data import DataLoader
            model = torchvision.models.resnet50(weights="IMAGENET1K_V2")
            model.eval()
            loader = DataLoader(train_set, batch_size=1, shuffle=True)
            for x, y in loader:
                loss_fn(model(x), y).backward()
        """, why="BatchNorm frozen in eval mode while fine-tuning with batches of one"),
        Valid("""
            import torch.nn as nn
            from torch.utils.data import DataLoader
            model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.Flatten(), nn.LazyLinear(2))
            loader = DataLoader(patch_batches, batch_size=1, shuffle=True)
            for x, y in loader:
                x, y = x.squeeze(0), y.squeeze(0)
                loss_fn(model(x), y).backward()
        """, why="the dataset returns whole batches; the loader's extra dimension is removed"),
        Valid("""
            import torch
            import torch.nn as nn
            from torch.utils.data import DataLoader
            model = nn.Sequential(nn.Linear(20, 64), nn.BatchNorm1d(64), nn.Linear(64, 2))
            model.eval()
            with torch.no_grad():
                for x, y in DataLoader(test_set, batch_size=1):
                    print(model(x).argmax(1))
        """, why="evaluation one sample at a time uses the running statistics"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            from torch.utils.data import DataLoader
            loader = DataLoader(train_set, batch_size=1, shuffle=True)
            model = nn.Sequential(nn.Linear(20, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 2))
            for epoch in range(10):
                for x, y in loader:
                    loss = loss_fn(model(x), y)
                    loss.backward()
        """, line=3),
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            from torch.utils.data import DataLoader
            BATCH_SIZE = 1
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv = nn.Conv2d(1, 8, 3)
                    self.bn = nn.BatchNorm2d(8)
                    self.fc = nn.Linear(8, 10)
                def forward(self, x):
                    return self.fc(F.relu(self.bn(self.conv(x))).mean((2, 3)))
            def train(model, loader, optimizer):
                for images, labels in loader:
                    optimizer.zero_grad()
                    F.cross_entropy(model(images), labels).backward()
                    optimizer.step()
            train(Net(), DataLoader(mnist, batch_size=BATCH_SIZE, shuffle=True), opt)
        """, line=18),
        Invalid("""
            import torchvision
            from torch.utils.data import DataLoader
            model = torchvision.models.resnet18(num_classes=2)
            loader = DataLoader(train_set, 1, shuffle=True)
            for i, (x, y) in enumerate(loader):
                criterion(model(x), y).backward()
        """, line=4),
    ]

    def visit_For(self, node: cst.For) -> None:
        loader = loader_of(self.context, node.iter)
        if loader is None or loader.call is None or syntax.keyword(loader.call, "batch_sampler") is not None:
            return
        size = constructor_argument(self.context, loader, 1, "batch_size")
        if size is None or number(self.context, size[0], size[1]) != 1 or not trains(node.body, self.context.info):
            return
        names = batch_names(node) or []
        if any(self._reshaped(call, names) for call in syntax.calls_in(node.body)) or self._indexed(node.body, names):
            return
        env = self.context.env()
        for call in syntax.calls_in(node.body):
            model = model_call_target(call, self.context, env)
            if model is None:
                continue
            modes = env.modes.get(model)
            if modes != frozenset({Mode.TRAIN}) and (modes is not None or ".eval()" in self.context.text):
                continue
            layers = [layer for layer in mode_dependent_layers(model)[0] if "BatchNorm" in layer] or zoo_batchnorm(model.qualname)
            if layers:
                anchor = loader.call if built_at(self.context, loader) is not None else node.iter
                self.report(anchor, model=self.context.module.code_for_node(call.func), layers=", ".join(layers))
                return

    @staticmethod
    def _reshaped(call: cst.Call, names: list[str]) -> bool:
        method = syntax.method_name(call)
        receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
        return method in ("squeeze", "view", "reshape", "flatten") and isinstance(receiver, cst.Name) and receiver.value in names

    @staticmethod
    def _indexed(body: cst.CSTNode, names: list[str]) -> bool:
        stack: list[cst.CSTNode] = [body]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Subscript) and isinstance(current.value, cst.Name) and current.value.value in names:
                return True
            stack.extend(syntax.children(current))
        return False
