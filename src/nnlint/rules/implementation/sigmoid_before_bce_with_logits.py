from __future__ import annotations

import libcst as cst

from nnlint.analysis.losses import final_steps, first_real_step, kind_of, loss_call
from nnlint.analysis.torch_api import BCE_WITH_LOGITS
from nnlint.analysis.values import Kind
from nnlint.diagnostic import Severity
from nnlint.rule import Invalid, Rule, Valid
from nnlint.rules.activation_fix import remove_activation_fix


class SigmoidBeforeBCEWithLogits(Rule):
    """BCEWithLogitsLoss is given probabilities (a sigmoid or softmax output) instead of logits.

    ## What it does
    Follows the first argument of `nn.BCEWithLogitsLoss` /
    `F.binary_cross_entropy_with_logits` back to where it was made — through
    assignments, helper functions, `nn.Sequential` and the `forward()` of your
    own modules — and reports when it already went through a sigmoid
    (`torch.sigmoid`, `.sigmoid()`, `nn.Sigmoid`) or a softmax.

    ## Why is this bad?
    `BCEWithLogitsLoss` applies the sigmoid itself. Fed probabilities, it
    squashes twice: every input lies in [0, 1], so the predicted probability
    lies in [0.5, 0.73]. The loss cannot go below ~0.31 for positives and
    ~0.69 for negatives, gradients vanish and the model never becomes
    confident (checklist item 19).

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(20, 1), nn.Sigmoid())
    loss = nn.BCEWithLogitsLoss()(model(x), y)
    ```

    ## Use instead
    ```python
    model = nn.Sequential(nn.Linear(20, 1))
    loss = nn.BCEWithLogitsLoss()(model(x), y)
    probs = torch.sigmoid(model(x))  # only for predictions
    ```

    ## Fix safety
    The fix removes the sigmoid when it is applied in the loss call itself, or is
    the last layer of an `nn.Sequential(...)` built in this file. It is unsafe:
    other code (thresholds, metrics) may rely on the model returning probabilities.
    The comments of the removed code are kept, each on the line it was on (or on a
    line of its own where all the code of its line went).
    """

    code = "NN304"
    name = "sigmoid-before-bce-with-logits"
    checklist = (19,)
    message = "{loss} gets {kind} ({origin}); it applies the sigmoid itself and expects raw logits"
    help = "feed the logits to the loss; apply the sigmoid only for predictions"
    severity = Severity.ERROR
    fixable = True
    requires_text = ("BCEWithLogitsLoss", "binary_cross_entropy_with_logits")

    valid = [
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(20, 1))
            logits = model(x)
            loss = nn.BCEWithLogitsLoss()(logits, y)
            preds = torch.sigmoid(logits) > 0.5
        """, why="the sigmoid is taken for predictions only"),
        Valid("""
            import torch
            import torch.nn.functional as F
            def distill(student_logits, teacher_logits):
                return F.binary_cross_entropy_with_logits(student_logits, torch.sigmoid(teacher_logits))
        """, why="probabilities as the target are right"),
        Valid("""
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(16, 1)
                def forward(self, x, return_probs=False):
                    logits = self.fc(x)
                    if return_probs:
                        return torch.sigmoid(logits)
                    return logits
            net = Net()
            loss = nn.BCEWithLogitsLoss(pos_weight=w)(net(x), y)
        """, why="forward returns logits or probabilities depending on a flag: unknown, silent"),
        Valid("""
            import torch
            import torch.nn as nn
            head = nn.Linear(8, 1)
            p = torch.sigmoid(head(x))
            loss = nn.BCEWithLogitsLoss()(torch.logit(p, eps=1e-6), y)
        """, why="logit() maps the probabilities back to logits"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(
                nn.Linear(20, 64),
                nn.ReLU(),
                nn.Linear(64, 1),
                nn.Sigmoid(),
            )
            criterion = nn.BCEWithLogitsLoss()
            loss = criterion(model(x), y)
        """, line=9, expected_fix="""
            import torch.nn as nn
            model = nn.Sequential(
                nn.Linear(20, 64),
                nn.ReLU(),
                nn.Linear(64, 1),
            )
            criterion = nn.BCEWithLogitsLoss()
            loss = criterion(model(x), y)
        """),
        Invalid("""
            import torch
            import torch.nn.functional as F
            head = torch.nn.Linear(8, 1)
            loss = F.binary_cross_entropy_with_logits(torch.sigmoid(head(x)), y)
        """, line=4, expected_fix="""
            import torch
            import torch.nn.functional as F
            head = torch.nn.Linear(8, 1)
            loss = F.binary_cross_entropy_with_logits(head(x), y)
        """),
        Invalid("""
            import torch.nn as nn
            from torch.nn import BCEWithLogitsLoss
            class Discriminator(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.net = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
                def forward(self, x):
                    return self.net(x).sigmoid()
            D = Discriminator()
            adversarial = BCEWithLogitsLoss()
            def d_step(real, fake):
                real_loss = adversarial(D(real), ones)
                return real_loss
        """, line=12),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        loss = loss_call(self.context, node)
        if loss is None or loss.family != BCE_WITH_LOGITS or loss.input is None:
            return
        value = kind_of(self.context, loss.input)
        if value is None or value.kind not in (Kind.SIGMOID, Kind.PROBS):
            return
        step = first_real_step(final_steps(self.context, loss.input), skip_reshapes=True)
        fix = None
        if step is not None and step.activation in ("sigmoid", "softmax"):
            fix = remove_activation_fix(self.context, loss.input, step, f"remove the {step.activation}")
        self.report(node, fix=fix, loss=loss.shown, kind=value.kind.value, origin=value.origin)
