from __future__ import annotations

import libcst as cst

from nnlint.analysis.losses import final_steps, head_outputs, head_step, loss_call
from nnlint.analysis.torch_api import CROSS_ENTROPY
from nnlint.analysis.values import short
from nnlint.diagnostic import Severity
from nnlint.rule import Because, Invalid, Rule, Valid


class SingleLogitCrossEntropy(Rule):
    """CrossEntropyLoss is fed by a head with a single output: the loss is always 0.

    ## What it does
    Follows the first argument of `nn.CrossEntropyLoss` / `F.cross_entropy` back
    through assignments, activations, `nn.Sequential` and the `forward()` of your
    own modules to the layer that makes the scores, and reports when that
    `Linear`/`Conv` layer is built with one output feature (or channel), or the
    torchvision/timm model with `num_classes=1`.

    ## Why is this bad?
    Cross-entropy takes a softmax over the class dimension. With one class the
    softmax is always 1, its log always 0: the loss is 0 from the first step,
    the gradients are 0, and nothing is learned (checklist items 17 and 19: the
    initial loss should be near ln(C), not 0). It usually means a binary task was
    set up with one output, which needs a sigmoid-based loss.

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1))
    loss = nn.CrossEntropyLoss()(model(x), y)
    ```

    ## Use instead
    ```python
    loss = nn.BCEWithLogitsLoss()(model(x).squeeze(1), y.float())
    ```
    or keep `CrossEntropyLoss` and give the head two outputs: `nn.Linear(64, 2)`.
    A score per candidate reshaped into one row per question
    (`logits.view(-1, num_choices)`, multiple choice) is correct and not reported.
    """

    code = "NN305"
    name = "single-logit-cross-entropy"
    checklist = (17, 19)
    message = "{loss} gets the output of {head}, which has a single output: the softmax over one class is 1, so the loss is always 0"
    help = "use BCEWithLogitsLoss for one output, or give the head one output per class"
    severity = Severity.ERROR
    requires_text = ("CrossEntropyLoss", "cross_entropy")

    valid = [
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            scorer = nn.Sequential(nn.Linear(768, 256), nn.Tanh(), nn.Linear(256, 1))
            logits = scorer(pairs)
            reshaped = logits.view(-1, num_choices)
            loss = F.cross_entropy(reshaped, labels)
        """, why="one score per candidate, regrouped per question (multiple choice): the softmax runs over the candidates"),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1))
            loss = nn.BCEWithLogitsLoss()(model(x).squeeze(1), y.float())
        """, why="one output with a sigmoid-based loss"),
        Valid("""
            import torch.nn as nn
            n_classes = 1 if binary else 10
            model = nn.Sequential(nn.Linear(20, n_classes))
            loss = nn.CrossEntropyLoss()(model(x), y)
        """, why="the number of outputs is not a literal: unknown"),
        Valid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(128, 10)
                    self.value = nn.Linear(128, 1)
                def forward(self, x):
                    return self.fc(x)
            loss = nn.CrossEntropyLoss()(Net()(x), y)
        """, why="the single-output layer is not the one forward() returns"),
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Trainer:
                def __init__(self, model):
                    self.model = model
                def run_batch(self, x, y):
                    return F.cross_entropy(self.model(x), y)
            ranker = Trainer(nn.Sequential(nn.Linear(20, 1)))
            classifier = Trainer(nn.Sequential(nn.Linear(20, 10)))
        """, why="two trainers with different models: which one self.model is, is not known"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1))
            criterion = nn.CrossEntropyLoss()
            loss = criterion(model(x), y)
        """, line=4),
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Detector(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.backbone = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Flatten())
                    self.classifier = nn.LazyLinear(out_features=1)
                def forward(self, x):
                    features = self.backbone(x)
                    return self.classifier(features)
            model = Detector()
            for images, labels in loader:
                out = model(images)
                loss = F.cross_entropy(out, labels)
        """, line=14),
        Invalid("""
            import torchvision
            from torch import nn
            model = torchvision.models.resnet18(num_classes=1)
            loss_fn = nn.CrossEntropyLoss()
            def train_step(images, labels):
                return loss_fn(model(images), labels)
        """, line=6),
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Trainer:
                def __init__(self, model, loader, optimizer):
                    self.model = model
                    self.train_data = loader
                    self.optimizer = optimizer
                def _run_batch(self, x, y):
                    self.optimizer.zero_grad()
                    loss = F.cross_entropy(self.model(x), y)
                    loss.backward()
            net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1))
            trainer = Trainer(net, loader, optimizer)
        """, line=10),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        loss = loss_call(self.context, node)
        if loss is None or loss.family != CROSS_ENTROPY or loss.input is None:
            return
        head = head_step(final_steps(self.context, loss.input))
        if head is None or head_outputs(head) != 1:
            return
        here = head.module_key == self.context.info.key
        because = (Because(head.node, f"the scores come from {short(head.op)} with one output, built here"),) if here else ()
        self.report(node, because=because, loss=loss.shown, head=short(head.op))
