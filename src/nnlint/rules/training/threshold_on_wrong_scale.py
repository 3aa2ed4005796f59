from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.losses import final_steps, kind_of, model_step, models_trained_with
from nnlint.analysis.values import Kind
from nnlint.analysis.torch_api import ALL_ANY_REDUCTIONS, BCE, BCE_WITH_LOGITS, COMPARISON_FUNCTIONS
from nnlint.rule import Invalid, Rule, Valid

_BINARY_LOSSES = frozenset((BCE, BCE_WITH_LOGITS))  # a model trained with either outputs logits where it is raw
_ORDERING = (cst.GreaterThan, cst.GreaterThanEqual, cst.LessThan, cst.LessThanEqual)
_COMPARE_METHODS = frozenset(("gt", "ge", "lt", "le"))


class ThresholdOnWrongScale(Rule):
    """Probabilities compared with 0, or logits compared with 0.5: the threshold is on the wrong scale.

    ## What it does
    Reports a comparison (`>`, `>=`, `<`, `<=`, `torch.gt`, `.ge(...)`) with 0 of
    a sigmoid output or of a model's softmax output, and a comparison of a model's
    raw output (logits) with a number between 0 and 1, or a `torch.round` of it,
    when this file trains that model with a binary cross-entropy loss
    (`BCEWithLogitsLoss` on the output, or `BCELoss` on its sigmoid).

    ## Why is this bad?
    A probability is never below 0, so `sigmoid(z) > 0` is true for every sample:
    accuracy, precision and recall computed from it are those of "always
    positive". A logit of 0.5 is a probability of 0.62, so `logits > 0.5`
    silently moves the decision threshold and skews every metric (checklist
    item 21: monitor other metrics — on the right scale).

    ## Example
    ```python
    criterion = nn.BCEWithLogitsLoss()
    logits = model(x)
    preds = (logits > 0.5).float()
    ```

    ## Use instead
    ```python
    preds = (logits > 0).float()              # or
    preds = (torch.sigmoid(logits) > 0.5).float()
    ```
    Sanity checks (`assert (probs >= 0).all()`) and masks of a masked softmax
    (`attn > 0`, which can hold exact zeros) are not reported.
    """

    code = "NN418"
    name = "threshold-on-wrong-scale"
    checklist = (21,)
    message = "{what} {compared}: {why}"
    help = "threshold probabilities at 0.5 and logits at 0"
    requires_text = ("sigmoid", "Sigmoid", "softmax", "Softmax", "BCE", "binary_cross_entropy")

    valid = [
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(10, 1))
            criterion = nn.BCEWithLogitsLoss()
            logits = model(x)
            preds = (torch.sigmoid(logits) > 0.5).float()
            same = (logits > 0).float()
        """, why="probabilities at 0.5, logits at 0"),
        Valid("""
            import torch
            probs = torch.softmax(scores, dim=1)
            assert (probs >= 0).all()
            ok = torch.all(torch.sigmoid(scores) > 0)
            attn = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
            attended = attn > 0
        """, why="sanity checks of the range; a masked softmax holds exact zeros"),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(10, 1))
            loss = nn.MSELoss()(model(x), y)
            preds = model(x) > 0.5
        """, why="a regression on 0/1 targets, no logits loss in the file: thresholding at 0.5 is right"),
        Valid("""
            import torch
            import torch.nn as nn
            head = nn.Linear(10, 1)
            criterion = nn.BCEWithLogitsLoss()
            score = head(x)
            mask = score > 0.5
        """, why="a bare layer, not a model's output: its scale is not known"),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(10, 1))
            loss = nn.MSELoss()(model(x), y)  # MSE, not BCEWithLogitsLoss: a regression on 0/1 targets
            preds = model(x) > 0.5
        """, why="the logits loss is only named in a comment: no call in this file computes it"),
        Valid("""
            import torch
            import torch.nn as nn
            classifier = nn.Sequential(nn.Linear(10, 1))
            regressor = nn.Sequential(nn.Linear(10, 1))
            loss = nn.BCELoss()(torch.sigmoid(classifier(x)), y) + nn.MSELoss()(regressor(x), t)
            hits = torch.sigmoid(classifier(x)) > 0.5
            high = regressor(x) > 0.5
        """, why="the model trained with BCE is thresholded on its sigmoid; the one above 0.5 is a regression"),
    ]
    invalid = [
        Invalid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 1))
            criterion = nn.BCEWithLogitsLoss()
            for x, y in loader:
                logits = model(x)
                loss = criterion(logits, y)
                preds = (logits > 0.5).float()
        """, line=8),
        Invalid("""
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(32, 1)
                    self.act = nn.Sigmoid()
                def forward(self, x):
                    return self.act(self.fc(x))
            net = Net()
            predicted = net(x) > 0
        """, line=11),
        Invalid("""
            import torch
            import torch.nn.functional as F
            import torchvision
            model = torchvision.models.resnet18(num_classes=1)
            out = model(images).squeeze(1)
            loss = F.binary_cross_entropy_with_logits(out, labels)
            correct = (torch.round(out) == labels).sum()
            hits = out.ge(0.5)
        """, line=7),
        Invalid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 1))
            loss = nn.BCELoss()(torch.sigmoid(model(x)), y)
            preds = model(x) > 0.5
        """, line=5),
    ]

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if len(node.comparisons) != 1 or not isinstance(node.comparisons[0].operator, _ORDERING):
            return
        right = node.comparisons[0].comparator
        if (number := _number(right)) is not None:
            self._check(node, node.left, number)
        elif (number := _number(node.left)) is not None:
            self._check(node, right, number)

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.context.qualify(node.func)
        method = syntax.method_name(node) if qualname is None else None
        if qualname in COMPARISON_FUNCTIONS and len(node.args) == 2 and (number := _number(node.args[1].value)) is not None:
            self._check(node, node.args[0].value, number)
        elif method in _COMPARE_METHODS and len(node.args) == 1 and (number := _number(node.args[0].value)) is not None:
            assert isinstance(node.func, cst.Attribute)
            self._check(node, node.func.value, number)
        elif (qualname == "torch.round" and len(node.args) == 1) or (method == "round" and not node.args):
            tensor = node.args[0].value if node.args else node.func.value  # type: ignore[attr-defined]
            self._check(node, tensor, 0.5, rounding=True)

    def _check(self, node: cst.BaseExpression, tensor: cst.BaseExpression, threshold: float, rounding: bool = False) -> None:
        if self._sanity_check(node):
            return
        if threshold == 0 and not rounding:
            value = kind_of(self.context, tensor)
            if value is not None and (value.kind is Kind.SIGMOID or (value.kind is Kind.PROBS and self._of_model(tensor))):
                self.report(node, what=f"{value.kind.value} ({value.origin})", compared="compared with 0",
                            why="they are never below 0, so this is the same for every sample; threshold at 0.5")
        elif 0 < threshold < 1:
            model = model_step(final_steps(self.context, tensor), skip_reshapes=True)
            if model is None or model.model not in models_trained_with(self.context, _BINARY_LOSSES):
                return
            value = kind_of(self.context, tensor)
            if value is None or value.kind is not Kind.LOGITS:
                return
            name = self.context.module.code_for_node(model.node.func)
            compared = "rounded (a threshold at 0.5)" if rounding else f"compared with {threshold:g}"
            self.report(node, what=f"the raw output of {name} (logits: this file trains it with a binary cross-entropy loss)", compared=compared,
                        why="a logit is not a probability; threshold logits at 0, or torch.sigmoid(logits) at 0.5")

    def _of_model(self, tensor: cst.BaseExpression) -> bool:
        """A softmax of a model's output (or a model ending in one): a masked softmax can hold exact zeros."""
        steps = [step for step in final_steps(self.context, tensor) if not (step.neutral or step.reshape)]
        if steps and steps[0].activation == "softmax" and steps[0].model is None:
            steps = steps[1:]
        return bool(steps) and steps[0].model is not None

    def _sanity_check(self, node: cst.BaseExpression) -> bool:
        """Inside ``assert``, or reduced by ``.all()``/``.any()``/``torch.all(...)``."""
        ancestors = self.context.ancestors
        if any(isinstance(ancestor, cst.Assert) for ancestor in ancestors):
            return True
        parent = ancestors[-2] if len(ancestors) > 1 else None
        if isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value in ("all", "any"):
            return True
        caller = ancestors[-3] if len(ancestors) > 2 else None
        return isinstance(parent, cst.Arg) and isinstance(caller, cst.Call) and (
            syntax.dotted_name(caller.func) in ALL_ANY_REDUCTIONS or self.context.qualify(caller.func) in ALL_ANY_REDUCTIONS
        )


def _number(node: cst.BaseExpression) -> float | None:
    if isinstance(node, (cst.Integer, cst.Float)):
        value = node.evaluated_value
        return float(value) if isinstance(value, (int, float)) else None
    return None
