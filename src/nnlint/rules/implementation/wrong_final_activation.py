from __future__ import annotations

import libcst as cst

from nnlint.analysis.losses import final_steps, first_real_step, loss_call
from nnlint.analysis.torch_api import CROSS_ENTROPY
from nnlint.analysis.values import Kind, Tensor, short
from nnlint.rule import Invalid, Rule, Valid
from nnlint.rules.activation_fix import remove_activation_fix

#: activations whose output cannot serve as logits: clipped at 0 or bounded
_BAD_BEFORE_CROSS_ENTROPY = frozenset(("relu", "relu6", "sigmoid", "tanh", "hardtanh", "hardsigmoid", "softsign"))


class WrongFinalActivation(Rule):
    """The scores fed to CrossEntropyLoss went through a ReLU, Sigmoid or Tanh last.

    ## What it does
    Follows the first argument of `nn.CrossEntropyLoss` / `F.cross_entropy` back
    through assignments, `nn.Sequential` and the `forward()` of your own modules,
    and reports when the last operation on it is a ReLU (or ReLU6) or a bounded
    activation (Sigmoid, Tanh, Hardtanh, Hardsigmoid, Softsign) — as a layer, a
    function or a tensor method. (A final softmax is NN302.)

    ## Why is this bad?
    Cross-entropy wants raw, unbounded logits. After a ReLU every negative score
    is 0 with no gradient: a class whose logit is pushed below 0 can never come
    back. After a Sigmoid or Tanh the logits live in a narrow range, so the
    softmax can never become confident: with 10 classes and logits in [0, 1]
    the right class gets at most 23%, and the loss stalls far above 0
    (checklist item 19).

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10), nn.ReLU())
    loss = nn.CrossEntropyLoss()(model(x), y)
    ```

    ## Use instead
    ```python
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    ```
    A bounded activation on a regression output is not reported: whether the
    targets fit its range (pixels in [0, 1] for a Sigmoid, [-1, 1] for a Tanh)
    cannot be read from the code. Scaled soft-capping (`30 * torch.tanh(x / 30)`)
    is not a final Tanh and is not reported either.

    ## Fix safety
    The fix removes the activation when it is applied in the loss call itself, or
    is the last layer of an `nn.Sequential(...)` built in this file. It is unsafe:
    other code may rely on the model's bounded output.
    The comments of the removed code are kept, each on the line it was on (or on a
    line of its own where all the code of its line went).
    """

    code = "NN311"
    name = "wrong-final-activation"
    checklist = (19,)
    message = "{loss} gets scores that went through {activation} last; it expects raw, unbounded logits"
    help = "end the classifier with the Linear layer: no activation after the last layer"
    fixable = True
    requires_text = ("CrossEntropyLoss", "cross_entropy")

    valid = [
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
            loss = nn.CrossEntropyLoss()(model(x), y)
        """, why="ReLU inside the network, raw Linear output at the end"),
        Valid("""
            import torch
            import torch.nn.functional as F
            head = torch.nn.Linear(512, 32000)
            logits = 30.0 * torch.tanh(head(h) / 30.0)
            loss = F.cross_entropy(logits, targets)
        """, why="soft-capping scales the tanh back up: not a bounded final activation"),
        Valid("""
            import torch.nn as nn
            regressor = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1), nn.ReLU())
            loss = nn.MSELoss()(regressor(x), prices)
        """, why="a ReLU on a regression output with non-negative targets is fine"),
        Valid("""
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(16, 4)
                def forward(self, x, features=False):
                    h = self.fc(x)
                    if features:
                        return torch.relu(h)
                    return h
            loss = nn.CrossEntropyLoss()(Net()(x), y)
        """, why="two return paths: what forward returns is not known for sure"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10), nn.ReLU())
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
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(784, 256)
                    self.fc2 = nn.Linear(256, 10)
                def forward(self, x):
                    x = F.relu(self.fc1(x))
                    x = self.fc2(x)
                    return torch.sigmoid(x)
            model = Net()
            for x, y in loader:
                loss = F.cross_entropy(model(x), y)
        """, line=15),
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            fc = nn.Linear(64, 5)
            out = fc(h)
            loss = nn.CrossEntropyLoss()(F.relu(out), y)
        """, line=5, expected_fix="""
            import torch.nn as nn
            import torch.nn.functional as F
            fc = nn.Linear(64, 5)
            out = fc(h)
            loss = nn.CrossEntropyLoss()(out, y)
        """),
        Invalid("""
            import torch.nn as nn
            head = nn.Sequential(nn.Linear(64, 10), nn.Tanh(), nn.Dropout(0.1))
            loss = nn.CrossEntropyLoss()(head(h), y)
        """, line=3),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        loss = loss_call(self.context, node)
        if loss is None or loss.family != CROSS_ENTROPY or loss.input is None:
            return
        step = first_real_step(final_steps(self.context, loss.input), skip_reshapes=True)
        if step is not None and step.activation in _BAD_BEFORE_CROSS_ENTROPY:
            shown = f"{step.op}()" if step.op.startswith(".") else short(step.op)
            fix = remove_activation_fix(self.context, loss.input, step, f"remove the final {step.activation}")
            self.report(node, fix=fix, loss=loss.shown, activation=shown)
        elif step is None:
            value = self.context.value(loss.input)
            if isinstance(value, Tensor) and value.kind is Kind.SIGMOID:
                self.report(node, loss=loss.shown, activation=f"a sigmoid ({value.origin})")
