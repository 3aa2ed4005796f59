from __future__ import annotations

import libcst as cst

from nnlint.analysis.losses import kind_of, loss_call
from nnlint.analysis.torch_api import BCE
from nnlint.analysis.values import Kind
from nnlint.diagnostic import Applicability, Severity
from nnlint.rule import Invalid, PendingFix, Rule, Valid

_RENAMES = {"BCELoss": "BCEWithLogitsLoss", "binary_cross_entropy": "binary_cross_entropy_with_logits"}


class BCEOnLogits(Rule):
    """BCELoss is given raw logits instead of probabilities.

    ## What it does
    Follows the first argument of `nn.BCELoss` / `F.binary_cross_entropy` back
    to where it was made — through assignments, helper functions, `nn.Sequential`
    and the `forward()` of your own modules — and reports when it is the raw
    output of a `Linear`/`Conv` layer (or of a torchvision/timm classifier).

    ## Why is this bad?
    `BCELoss` computes `-(y log p + (1 - y) log(1 - p))`: it expects
    probabilities in [0, 1]. Raw scores are unbounded, so the logs are of
    negative numbers: the run stops with "all elements of input should be
    between 0 and 1" (or a device-side assert on the GPU), or trains on
    clamped garbage (checklist item 19).

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1))
    loss = nn.BCELoss()(model(x), y)
    ```

    ## Use instead
    ```python
    loss = nn.BCEWithLogitsLoss()(model(x), y)  # sigmoid + BCE in one, numerically stable
    ```
    The fix (unsafe: the loss object may be shared with calls that do pass
    probabilities) renames `BCELoss` to `BCEWithLogitsLoss` and
    `F.binary_cross_entropy` to `F.binary_cross_entropy_with_logits` (their
    arguments match); a name imported bare (`from torch.nn import BCELoss`) is
    left for you to change with its import.
    """

    code = "NN303"
    name = "bce-on-logits"
    checklist = (19,)
    message = "{loss} gets raw logits ({origin}); it expects probabilities in [0, 1]"
    help = "use BCEWithLogitsLoss / F.binary_cross_entropy_with_logits on logits"
    severity = Severity.ERROR
    fixable = True
    requires_text = ("BCELoss", "binary_cross_entropy")

    valid = [
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(20, 1))
            loss = nn.BCELoss()(torch.sigmoid(model(x)), y)
        """, why="the sigmoid is applied before the loss"),
        Valid("""
            import torch
            import torch.nn as nn
            import torch.nn.functional as F
            class Discriminator(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(128, 1)
                def forward(self, x):
                    return torch.sigmoid(self.fc(x))
            D = Discriminator()
            loss = F.binary_cross_entropy(D(fake), torch.ones(16, 1))
        """, why="forward() ends in a sigmoid: probabilities (the DCGAN idiom)"),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1), nn.Sigmoid())
            loss = nn.BCEWithLogitsLoss()(model[:-1](x), y)
            bce = nn.BCELoss()(model(x), y)
        """, why="the Sequential ends in Sigmoid; the logits go to the logits loss"),
        Valid("""
            import torch.nn as nn
            import torchvision
            model = torchvision.models.resnet18(weights="DEFAULT")
            model.fc = nn.Sequential(nn.Linear(512, 1), nn.Sigmoid())
            loss = nn.BCELoss()(model(x), y)
        """, why="the head is replaced from outside: the model's output is not known (no longer the zoo model's logits)"),
        Valid("""
            import torch.nn as nn
            def step(x, y):
                head = nn.Linear(8, 1)
                out = head(x)
                out.sigmoid_()
                return nn.BCELoss()(out, y)
        """, why="the sigmoid is applied in place: what out holds is not known for sure"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1))
            criterion = nn.BCELoss()
            loss = criterion(model(x), y)
        """, line=4, expected_fix="""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1))
            criterion = nn.BCEWithLogitsLoss()
            loss = criterion(model(x), y)
        """),
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Tagger(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.encoder = nn.Linear(300, 128)
                    self.labels = nn.Linear(128, 20)
                def forward(self, x):
                    h = self.encoder(x).relu()
                    out = self.labels(h)
                    return out
            model = Tagger()
            for x, y in loader:
                loss = F.binary_cross_entropy(model(x), y.float(), reduction="sum")
        """, line=14, expected_fix="""
            import torch.nn as nn
            import torch.nn.functional as F
            class Tagger(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.encoder = nn.Linear(300, 128)
                    self.labels = nn.Linear(128, 20)
                def forward(self, x):
                    h = self.encoder(x).relu()
                    out = self.labels(h)
                    return out
            model = Tagger()
            for x, y in loader:
                loss = F.binary_cross_entropy_with_logits(model(x), y.float(), reduction="sum")
        """),
        Invalid("""
            import torchvision
            from torch.nn import BCELoss as Loss
            net = torchvision.models.resnet18(num_classes=5)
            def step(batch, labels, loss_fn):
                scores = net(batch).float()
                return loss_fn(scores, labels)
            step(images, targets, Loss())
        """, line=6),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        loss = loss_call(self.context, node)
        if loss is None or loss.family != BCE or loss.input is None:
            return
        value = kind_of(self.context, loss.input)
        if value is None or value.kind is not Kind.LOGITS:
            return
        renamed = node if loss.shown.startswith("F.") else loss.constructor
        self.report(node, fix=self._rename(renamed), loss=loss.shown, origin=value.origin)

    @staticmethod
    def _rename(call: cst.Call | None) -> PendingFix | None:
        """Only ``<module alias>.BCELoss`` is renamed: a bare imported name would need a new import."""
        if call is None or not isinstance(call.func, cst.Attribute) or call.func.attr.value not in _RENAMES:
            return None
        new = _RENAMES[call.func.attr.value]
        return PendingFix(f"use {new}", call.func.attr, cst.Name(new), applicability=Applicability.UNSAFE)
