from __future__ import annotations

import re
from functools import cached_property

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.losses import batched_input, compared_in_loop, compares, final_steps, head_outputs, head_step, in_loader_loop, model_step
from nnlint.analysis.torch_api import LOG_SOFTMAX_FUNCTIONS, SOFTMAX_FUNCTIONS, SOFTMAX_LAYERS
from nnlint.analysis.values import Instance, Tensor, short
from nnlint.rule import Invalid, Rule, Valid

_LAYER_OVER_DIM_ZERO = re.compile(r"Softmax\(\s*(dim\s*=\s*)?0\s*\)")
_WHAT = {
    "softmax": "normalises across the samples of the batch instead of across the classes",
    "argmax": "picks a sample of the batch for every class instead of a class for every sample",
}


class SoftmaxOverBatch(Rule):
    """A softmax or argmax over dim 0 of a classifier's batched output: across the batch, not the classes.

    ## What it does
    Inside a loop over a `DataLoader`, reports a softmax / log_softmax (function,
    method or `nn.Softmax(dim=0)` layer) and an `argmax(0)` / `torch.max(out, 0)`
    whose indices are compared with labels, over `dim=0` of a model's output
    (your `nn.Module`, an `nn.Sequential`, a torchvision/timm classifier) known
    to be class scores: dim 0 of those outputs is the batch. Outside a loader
    loop, the same holds for an `nn.Sequential` starting with a `Linear` that is
    given rows made in the file (`x = torch.randn(1000, 8)`).

    ## Why is this bad?
    Model outputs are `(batch, classes, ...)`. A softmax over dim 0 makes each
    class's column sum to 1 over the samples, so every sample's "probabilities"
    depend on the other samples in the batch; an argmax over dim 0 returns, for
    every class, the index of a sample. Losses, accuracies and predictions are
    silently wrong (checklist items 19, 21 and 25).

    ## Example
    ```python
    for images, labels in val_loader:
        _, predicted = torch.max(model(images), 0)
        correct += (predicted == labels).sum().item()
    ```

    ## Use instead
    ```python
    for images, labels in val_loader:
        predicted = model(images).argmax(dim=1)
        correct += (predicted == labels).sum().item()
    ```
    Not reported: one sample's output (`policy(state)` outside a loader loop),
    single-output heads (softmax over dim 0 of one score per item is attention
    pooling), `softmax(x)` without `dim` (PyTorch picks dim 1 for 2-D and 4-D
    input; the rank is not known statically), `torch.max(out, 0)[0]`.
    """

    code = "NN306"
    name = "softmax-over-batch"
    checklist = (19, 21, 25)
    message = "{op} over dim 0 of {model}'s output {what}"
    help = "use dim=1 (or dim=-1) for the class dimension"
    requires_text = ("softmax", "Softmax", "argmax", ".max(")

    valid = [
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            policy = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
            state = env.reset()
            probs = F.softmax(policy(state), dim=0)
        """, why="one unbatched sample: dim 0 is the actions (REINFORCE)"),
        Valid("""
            import torch
            from torch.utils.data import DataLoader
            model = torch.nn.Sequential(torch.nn.Linear(20, 5))
            for x, y in DataLoader(data, batch_size=32):
                values, _ = torch.max(model(x), 0)
                preds = model(x).argmax(dim=1)
        """, why="the per-class maxima (values, not indices) and an argmax over the classes"),
        Valid("""
            import torch
            import torch.nn as nn
            from torch.utils.data import DataLoader
            scorer = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 1))
            for bag, label in DataLoader(bags, batch_size=1):
                weights = torch.softmax(scorer(bag.squeeze(0)), dim=0)
        """, why="one score per instance: softmax over dim 0 is attention pooling over the bag"),
        Valid("""
            import torch
            from torch.utils.data import DataLoader
            model = torch.nn.Sequential(torch.nn.Linear(20, 5))
            for x, y in DataLoader(data, batch_size=32):
                probs = torch.softmax(model(x).t(), 0)
                best_sample_per_class = model(x).argmax(0)
                keep.append(x[best_sample_per_class])
        """, why="transposed first; an argmax over the batch used to pick samples, not compared with labels"),
        Valid("""
            import torch
            import torch.nn as nn
            import torch.nn.functional as F
            x = torch.randn(1000, 8)
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
            probs = F.softmax(model(x), dim=1)
            cnn = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.LazyLinear(10))
            image = torch.randn(3, 32, 32)
            single = F.softmax(cnn(image), dim=0)
        """, why="rows of synthetic data normalised over the classes; one unbatched image: dim 0 is not known to be a batch"),
    ]
    invalid = [
        Invalid("""
            import torch
            import torch.nn as nn
            from torch.utils.data import DataLoader
            model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
            loader = DataLoader(test_set, batch_size=64)
            correct = 0
            for images, labels in loader:
                outputs = model(images)
                _, predicted = torch.max(outputs.data, 0)
                correct += (predicted == labels).sum().item()
        """, line=9),
        Invalid("""
            import torch.nn.functional as F
            import torchvision
            from torch.utils.data import DataLoader
            net = torchvision.models.resnet18(num_classes=10)
            def evaluate(model, loader):
                for x, y in loader:
                    probs = F.softmax(model(x), dim=0)
                    yield probs
            evaluate(net, DataLoader(val_set, batch_size=128))
        """, line=7),
        Invalid("""
            import torch.nn as nn
            from torch.utils.data import DataLoader
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(32, 4)
                def forward(self, x):
                    return self.fc(x)
            model = Net()
            for i, (x, y) in enumerate(DataLoader(ds, batch_size=16)):
                pred = model(x).detach().argmax(0)
                accuracy = pred.eq(y).float().mean()
        """, line=11),
        Invalid("""
            import torch.nn as nn
            from torch.utils.data import DataLoader
            model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
            to_probs = nn.Softmax(dim=0)
            for images, labels in DataLoader(mnist, batch_size=64):
                probs = to_probs(model(images))
        """, line=6),
        Invalid("""
            import torch
            import torch.nn as nn
            import torch.nn.functional as F
            x = torch.randn(1000, 8)
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
            with torch.no_grad():
                class_probs = F.softmax(model(x), dim=0)
        """, line=7),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        found = self._over_dim_zero(node)
        if found is None:
            return
        tensor, op, kind = found
        steps = final_steps(self.context, tensor)
        model = model_step(steps)
        if model is None or not isinstance(self.context.value(model.node), Tensor):
            return  # not a model's output known to be class scores
        if not in_loader_loop(self.context) and not batched_input(self.context, model):
            return  # dim 0 is known to be the batch for a loader's batches, or an input made here as rows
        head = head_step(steps)
        if head is not None and head_outputs(head) == 1:
            return
        self.report(node, op=op, model=self.context.module.code_for_node(model.node.func), what=_WHAT[kind])

    def _over_dim_zero(self, node: cst.Call) -> tuple[cst.BaseExpression, str, str] | None:
        """(the tensor, how the op is spelled, "softmax" or "argmax") for an op over dim 0."""
        qualname = self.context.qualify(node.func)
        method = syntax.method_name(node) if qualname is None else None
        if qualname in SOFTMAX_FUNCTIONS | LOG_SOFTMAX_FUNCTIONS or qualname in ("torch.argmax", "torch.max"):
            tensor, dim, op = syntax.argument(node, 0, "input"), syntax.argument(node, 1, "dim"), short(qualname)
        elif method in ("softmax", "log_softmax", "argmax", "max") and isinstance(node.func, cst.Attribute):
            tensor, dim, op = node.func.value, syntax.argument(node, 0, "dim"), f".{method}()"
        elif self._softmax_layer_over_dim_zero and isinstance(node.func, (cst.Name, cst.Attribute)) and qualname is None:
            layer = self.context.value(node.func)
            if not isinstance(layer, Instance) or layer.qualname not in SOFTMAX_LAYERS or layer.call is None:
                return None
            tensor, dim, op = syntax.argument(node, 0, "input"), syntax.argument(layer.call, 0, "dim"), short(layer.qualname)
        else:
            return None
        if tensor is None or not (isinstance(dim, cst.Integer) and dim.value == "0"):
            return None
        if "softmax" not in op.lower() and not self._used_as_predictions(node, op):
            return None
        return tensor, op, "softmax" if "softmax" in op.lower() else "argmax"

    @cached_property
    def _softmax_layer_over_dim_zero(self) -> bool:
        """Cheap test, once per file, before calls are evaluated as possible ``nn.Softmax(dim=0)`` objects."""
        return _LAYER_OVER_DIM_ZERO.search(self.context.text) is not None

    def _used_as_predictions(self, node: cst.Call, op: str) -> bool:
        """The indices are compared with something (``== labels``, ``.eq(target)``) in this loop: predictions.

        ``pred = out.argmax(0)``, ``_, pred = torch.max(out, 0)``, ``torch.max(out, 0)[1]`` / ``.indices``."""
        ancestors, is_max = self.context.ancestors, op in ("torch.max", ".max()")
        holder: cst.CSTNode = node
        parent = ancestors[-2] if len(ancestors) > 1 else None
        indices = isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value == "indices"
        if is_max and parent is not None and (indices or _is_index_one(parent, node)):
            holder, parent = parent, ancestors[-3] if len(ancestors) > 2 else None
        if not (is_max and holder is node) and compares(parent, lambda operand: operand is holder):
            return True
        name = None
        if isinstance(parent, cst.Assign) and parent.value is holder and len(parent.targets) == 1:
            target: cst.BaseExpression | None = parent.targets[0].target
            if is_max and holder is node:
                target = target.elements[1].value if isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2 else None
            name = target.value if isinstance(target, cst.Name) and target.value != "_" else None
        return name is not None and compared_in_loop(self.context, name)


def _is_index_one(parent: cst.CSTNode | None, node: cst.CSTNode) -> bool:
    if not isinstance(parent, cst.Subscript) or parent.value is not node or len(parent.slice) != 1:
        return False
    index = parent.slice[0].slice
    return isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and index.value.value == "1"

