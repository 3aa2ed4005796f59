from __future__ import annotations

import libcst as cst

from nnlint.analysis.losses import final_steps, first_real_step, kind_of, loss_call
from nnlint.analysis.torch_api import CROSS_ENTROPY
from nnlint.analysis.values import Kind
from nnlint.diagnostic import Severity
from nnlint.rule import Invalid, Rule, Valid
from nnlint.rules.activation_fix import remove_activation_fix


class SoftmaxBeforeCrossEntropy(Rule):
    """CrossEntropyLoss is given probabilities (the output of a softmax) instead of raw logits.

    ## What it does
    Follows the first argument of `nn.CrossEntropyLoss` / `F.cross_entropy` back
    to where it was made — through assignments, helper functions, `nn.Sequential`
    and the `forward()` of your own modules, in this file or the project's other
    files — and reports when it is the output of a softmax (`F.softmax`,
    `torch.softmax`, `.softmax()`, `nn.Softmax`).

    ## Why is this bad?
    `CrossEntropyLoss` applies `log_softmax` itself. Given probabilities, it
    computes a softmax of a softmax: the inputs live in [0, 1], so the "logits"
    of all classes are nearly equal, the loss can never get close to 0 and the
    gradients are squashed. Training is slow and stalls well above the loss a
    correct model reaches (checklist item 19).

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))
    loss = nn.CrossEntropyLoss()(model(x), y)
    ```

    ## Use instead
    ```python
    model = nn.Sequential(nn.Linear(784, 10))
    loss = nn.CrossEntropyLoss()(model(x), y)
    probs = model(x).softmax(dim=1)  # only where you need probabilities
    ```

    ## Fix safety
    The fix removes the softmax when it is applied in the loss call itself, or is
    the last layer of an `nn.Sequential(...)` built in this file. It is unsafe:
    other code (predictions, metrics) may rely on the model returning probabilities.
    The comments of the removed code are kept, each on the line it was on (or on a
    line of its own where all the code of its line went).
    """

    code = "NN302"
    name = "softmax-before-cross-entropy"
    checklist = (19,)
    message = "{loss} gets probabilities ({origin}); it applies log_softmax itself and expects raw logits"
    help = "feed the logits to the loss; apply softmax only for predictions"
    severity = Severity.ERROR
    fixable = True
    requires_text = ("CrossEntropyLoss", "cross_entropy")

    valid = [
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            model = nn.Sequential(nn.Linear(784, 10))
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            probs = F.softmax(logits, dim=1)
        """, why="softmax is taken for predictions, the loss gets the logits"),
        Valid("""
            import torch.nn.functional as F
            def distill(student_logits, teacher_logits, T=4.0):
                soft_targets = F.softmax(teacher_logits / T, dim=1)
                return F.cross_entropy(student_logits / T, soft_targets)
        """, why="probabilities as the target (knowledge distillation) are right"),
        Valid("""
            import torch
            import torch.nn as nn
            head = nn.Linear(16, 4)
            probs = torch.softmax(head(x), dim=1)
            loss = nn.CrossEntropyLoss()(torch.log(probs + 1e-8), y)
        """, why="the log of probabilities is a log-probability; log_softmax of it changes nothing"),
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(32, 5)
                def forward(self, x):
                    logits = self.fc(x)
                    if self.training:
                        return logits
                    return F.softmax(logits, dim=1)
            model = Net()
            loss = nn.CrossEntropyLoss()(model(x), y)
        """, why="forward returns probabilities only in eval mode: the value is not known for sure"),
        Valid("""
            import torch.nn.functional as F
            loss = F.cross_entropy(outputs, labels)
        """, why="nothing is known about outputs"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10), nn.Softmax(dim=1))
            criterion = nn.CrossEntropyLoss()
            loss = criterion(model(x), y)
        """, line=4, expected_fix="""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
            criterion = nn.CrossEntropyLoss()
            loss = criterion(model(x), y)
        """),
        Invalid("""
            import torch
            import torch.nn.functional as F
            fc = torch.nn.Linear(8, 3)
            loss = F.cross_entropy(F.softmax(fc(x), dim=1), y)
        """, line=4, expected_fix="""
            import torch
            import torch.nn.functional as F
            fc = torch.nn.Linear(8, 3)
            loss = F.cross_entropy(fc(x), y)
        """),
        Invalid("""
            import torch.nn as nn
            from torch.nn import CrossEntropyLoss
            class Classifier(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.body = nn.Sequential(nn.Linear(20, 64), nn.ReLU())
                    self.out = nn.Linear(64, 3)
                def forward(self, x):
                    return self.out(self.body(x)).softmax(dim=-1)
            def train(model, loader, loss_fn):
                for x, y in loader:
                    preds = model(x)
                    loss = loss_fn(preds, y)
                    loss.backward()
            train(Classifier(), loader, CrossEntropyLoss())
        """, line=13),
        Invalid("""
            import torch
            import torch.nn as nn
            net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.LazyLinear(10))
            criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
            for images, labels in loader:
                probs = torch.softmax(net(images), 1)
                criterion(probs, labels).backward()
        """, line=7),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        loss = loss_call(self.context, node)
        if loss is None or loss.family != CROSS_ENTROPY or loss.input is None:
            return
        value = kind_of(self.context, loss.input)
        if value is None or value.kind is not Kind.PROBS:
            return
        step = first_real_step(final_steps(self.context, loss.input), skip_reshapes=True)
        fix = remove_activation_fix(self.context, loss.input, step, "remove the softmax") if step and step.activation == "softmax" else None
        self.report(node, fix=fix, loss=loss.shown, origin=value.origin)
