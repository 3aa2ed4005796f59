from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.values import Instance, Kind, Tensor, candidates
from nnlint.analysis.torch_api import NLL_LOSS_CLASS, NLL_LOSS_FUNCTION
from nnlint.diagnostic import Applicability, Severity
from nnlint.rule import Invalid, PendingFix, Rule, Valid

_REPLACEMENT = {NLL_LOSS_CLASS: "CrossEntropyLoss", NLL_LOSS_FUNCTION: "cross_entropy"}


class NLLLossWithoutLogSoftmax(Rule):
    """NLLLoss is given raw logits or probabilities instead of log-probabilities.

    ## What it does
    Follows the value passed to `nn.NLLLoss` / `F.nll_loss` back to where it was
    made — through assignments, helper functions, `nn.Sequential` and the
    `forward()` of your own modules, in this file or the project's other files —
    and reports when it is the raw output of a `Linear`/`Conv` layer (logits) or
    a `softmax` (probabilities). A loss picked from a registry
    (`LOSSES[cfg["loss"]]()`, `getattr(nn, name)()`) counts when every entry it
    may be is an `NLLLoss`; a key from configuration is read at its default.

    ## Why is this bad?
    `NLLLoss` only picks `-input[target]`: it expects **log-probabilities**. Fed
    logits, it rewards making the right logit large without ever normalising, so
    the loss runs to minus infinity while accuracy barely moves. Fed probabilities,
    the gradient is tiny and the loss lives in [-1, 0]. Training "runs" but does not
    learn (checklist item 19).

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(784, 10))
    criterion = nn.NLLLoss()
    loss = criterion(model(x), y)
    ```

    ## Use instead
    ```python
    criterion = nn.CrossEntropyLoss()  # log_softmax + NLLLoss in one, numerically stable
    loss = criterion(model(x), y)
    ```
    or end the model with `nn.LogSoftmax(dim=1)`. The fix (unsafe: it changes the
    loss object, which other calls may share) renames `NLLLoss` to
    `CrossEntropyLoss` for logits, and `softmax` to `log_softmax` when the
    probabilities are made in the call itself.
    """

    code = "NN301"
    name = "nll-loss-without-log-softmax"
    checklist = (19,)
    message = "{loss} gets {kind} ({origin}); it expects log-probabilities"
    help = "use CrossEntropyLoss / F.cross_entropy on logits, or log_softmax instead of softmax"
    severity = Severity.ERROR
    fixable = True
    requires_text = ("NLLLoss", "nll_loss")

    valid = [
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            model = nn.Sequential(nn.Linear(784, 10), nn.LogSoftmax(dim=1))
            loss = nn.NLLLoss()(model(x), y)
            loss2 = F.nll_loss(F.log_softmax(model[0](x), dim=1), y)
        """, why="the model ends in LogSoftmax; the functional call gets log_softmax"),
        Valid("""
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(10, 3)
                def forward(self, x):
                    return torch.log_softmax(self.fc(x), dim=-1)
            net = Net()
            criterion = nn.NLLLoss()
            out = net(x)
            loss = criterion(out, y)
        """, why="forward() returns log_softmax of the logits"),
        Valid("""
            import torch.nn as nn
            criterion = nn.NLLLoss()
            out = model(x)          # model is not known here
            loss = criterion(out, y)
        """, why="an unknown value is never reported"),
        Valid("""
            import torch.nn as nn
            head = nn.Linear(16, 4)
            criterion = nn.NLLLoss()
            if use_log:
                out = head(x).log_softmax(1)
            else:
                out = head(x)
            loss = criterion(out, y)
        """, why="the value differs between branches: unknown"),
        Valid("""
            import torch
            import torch.nn as nn
            probs = torch.softmax(nn.Linear(8, 2)(x), dim=1)
            loss = nn.NLLLoss()(torch.log(probs + 1e-8), y)
        """, why="the log of probabilities is a log-probability"),
        Valid("""
            import torch.nn as nn
            LOSSES = {"nll": nn.NLLLoss, "ce": nn.CrossEntropyLoss}
            def build(name):
                return LOSSES[name]()
            net = nn.Sequential(nn.Linear(20, 10))
            criterion = build(loss_name)
            loss = criterion(net(x), y)
        """, why="the key is not known and only some entries of the registry are NLLLoss: CrossEntropyLoss takes logits"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
            criterion = nn.NLLLoss()
            loss = criterion(model(x), y)
        """, line=4, expected_fix="""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
            criterion = nn.CrossEntropyLoss()
            loss = criterion(model(x), y)
        """),
        Invalid("""
            from torch.nn import NLLLoss as Loss
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.body = nn.Sequential(nn.Linear(10, 10), nn.ReLU())
                    self.head = nn.Linear(10, 3)
                def forward(self, x):
                    h = self.body(x)
                    return self.head(h)
            def train(model, loader, loss_fn):
                for x, y in loader:
                    loss = loss_fn(model(x), y)
                    loss.backward()
            train(Net(), loader, Loss())
        """, line=13),
        Invalid("""
            import torch.nn.functional as F
            def predict(model, x):
                return F.softmax(model(x), dim=1)
            loss = F.nll_loss(F.softmax(logits, dim=1), y)
        """, line=4, expected_fix="""
            import torch.nn.functional as F
            def predict(model, x):
                return F.softmax(model(x), dim=1)
            loss = F.nll_loss(F.log_softmax(logits, dim=1), y)
        """),
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            fc = nn.Linear(32, 5)
            def scores(x):
                return fc(x)
            out = scores(x).view(-1, 5)
            loss = F.nll_loss(out, y)
        """, line=7, expected_fix="""
            import torch.nn as nn
            import torch.nn.functional as F
            fc = nn.Linear(32, 5)
            def scores(x):
                return fc(x)
            out = scores(x).view(-1, 5)
            loss = F.cross_entropy(out, y)
        """),
        Invalid("""
            import torch.nn as nn
            LOSSES = {"nll": nn.NLLLoss, "ce": nn.CrossEntropyLoss}
            cfg = {"loss": "nll", "lr": 0.01}
            net = nn.Sequential(nn.Linear(20, 10))
            criterion = LOSSES[cfg["loss"]]()
            loss = criterion(net(x), y)
        """, line=6),
        Invalid("""
            import torch.nn as nn
            net = nn.Sequential(nn.Linear(20, 10))
            criterion = getattr(nn, "NLLLoss")()
            loss = criterion(net(x), y)
        """, line=4),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        loss = self._nll(node)
        if loss is None:
            return
        argument = syntax.argument(node, 0, "input")
        value = self.context.value(argument) if argument is not None else None
        if not isinstance(value, Tensor) or value.kind is Kind.LOG_PROBS:
            return
        self.report(node, fix=self._fix(node, loss, argument, value), loss="NLLLoss" if loss != NLL_LOSS_FUNCTION else "F.nll_loss",
                    kind=value.kind.value, origin=value.origin)

    def _nll(self, node: cst.Call) -> str | cst.Call | None:
        """``NLL_LOSS_FUNCTION`` for ``F.nll_loss(...)``; the constructor call for a call of an NLLLoss object."""
        if self.context.qualify(node.func) == NLL_LOSS_FUNCTION:
            return NLL_LOSS_FUNCTION
        options = candidates(self.context.value(node.func))  # a registry entry: judged on every loss it may be
        if not all(isinstance(option, Instance) and option.qualname == NLL_LOSS_CLASS and option.call is not None for option in options):
            return None
        callee = options[0]
        assert isinstance(callee, Instance) and callee.call is not None
        return callee.call if len(options) == 1 and callee.module_key == self.context.info.key else NLL_LOSS_CLASS

    def _fix(self, node: cst.Call, loss: str | cst.Call, argument: cst.BaseExpression | None, value: Tensor) -> PendingFix | None:
        if value.kind is Kind.LOGITS:
            if loss == NLL_LOSS_FUNCTION:
                return self._rename(node, _REPLACEMENT[NLL_LOSS_FUNCTION])
            return self._rename(loss, _REPLACEMENT[NLL_LOSS_CLASS]) if isinstance(loss, cst.Call) else None
        if value.kind is Kind.PROBS and isinstance(argument, cst.Call) and isinstance(argument.func, cst.Attribute) and argument.func.attr.value == "softmax":
            return PendingFix("use log_softmax", argument.func.attr, cst.Name("log_softmax"), applicability=Applicability.UNSAFE)
        return None

    def _rename(self, call: cst.Call, new_name: str) -> PendingFix | None:
        """Only ``<module alias>.NLLLoss`` is renamed: a bare imported name would need a new import."""
        if not isinstance(call.func, cst.Attribute):
            return None
        return PendingFix(f"use {new_name}", call.func.attr, cst.Name(new_name), applicability=Applicability.UNSAFE)
