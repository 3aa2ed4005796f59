from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.losses import functional_alias, kind_of
from nnlint.analysis.torch_api import SIGMOID_FUNCTIONS, SOFTMAX_FUNCTIONS
from nnlint.analysis.values import Instance, Kind
from nnlint.diagnostic import Applicability
from nnlint.rule import Invalid, PendingFix, Rule, Valid

_BETTER = {Kind.PROBS: "log_softmax", Kind.SIGMOID: "F.logsigmoid"}


class LogOfSoftmax(Rule):
    """The log of a softmax or sigmoid, computed in two steps: -inf and NaN where a probability underflows.

    ## What it does
    Reports `torch.log(p)` and `p.log()` where `p` is known to be the output of a
    softmax or a sigmoid (a function, a tensor method, or a model ending in
    `nn.Softmax`/`nn.Sigmoid`), with no `eps` or `clamp` in between.

    ## Why is this bad?
    A softmax of scores 100 apart gives an exact 0 in float32 (and in float16 far
    sooner); a sigmoid of -90 is 0. The log of 0 is `-inf`; multiplied by a zero
    target, or differentiated, it becomes NaN, and one NaN spreads through every
    weight at the next step (checklist item 37). `log_softmax` and `logsigmoid`
    compute the same values with the log-sum-exp trick and never overflow.

    ## Example
    ```python
    log_probs = torch.log(F.softmax(logits, dim=1))
    log_p = torch.log(torch.sigmoid(scores))
    ```

    ## Use instead
    ```python
    log_probs = F.log_softmax(logits, dim=1)
    log_p = F.logsigmoid(scores)
    ```

    ## Fix safety
    The fix is safe: `torch.log(torch.softmax(x, d))` becomes `torch.log_softmax(x, d)`
    (same spelling, arguments kept; likewise for `F.softmax` and `x.softmax(d).log()`),
    and the log of a sigmoid becomes `F.logsigmoid(x)` when `torch.nn.functional`
    (or `torch`) is imported at module level. Values are equal up to rounding,
    except that they stay finite. A log of a name (`torch.log(probs)`) is reported
    without a fix: the probabilities may be used elsewhere.
    """

    code = "NN412"
    name = "log-of-softmax"
    checklist = (37,)
    message = "the log of {kind} ({origin}) is -inf where a probability underflows to 0, and NaN in the gradients; use {better}"
    help = "use log_softmax / logsigmoid, which are computed stably in one step"
    fixable = True
    requires_text = ("softmax", "Softmax", "sigmoid", "Sigmoid")

    valid = [
        Valid("""
            import torch
            import torch.nn.functional as F
            probs = F.softmax(logits, dim=1)
            entropy = -(probs * torch.log(probs + 1e-8)).sum(dim=1)
        """, why="guarded by an eps"),
        Valid("""
            import torch
            p = torch.sigmoid(scores)
            log_p = torch.log(p.clamp(min=1e-6))
            log_not_p = torch.log1p(-p)
        """, why="clamped first; log1p of another expression"),
        Valid("""
            import torch
            import torch.nn.functional as F
            log_probs = F.log_softmax(logits, dim=-1)
            ratio = torch.log(torch.exp(log_probs).mean(0))
        """, why="already log_softmax; the log of a mean of exps is not a log of a softmax"),
        Valid("""
            import torch
            probs = torch.softmax(x, dim=1)
            probs[probs == 0] = 1e-12
            log_probs = torch.log(probs)
        """, why="zeros replaced in place before the log"),
        Valid("""
            import torch
            if use_softmax:
                p = torch.softmax(x, 1)
            else:
                p = x
            out = torch.log(p)
        """, why="not a softmax on every path: unknown"),
    ]
    invalid = [
        Invalid("""
            import torch
            log_probs = torch.log(torch.softmax(logits, dim=1))
        """, line=2, expected_fix="""
            import torch
            log_probs = torch.log_softmax(logits, dim=1)
        """),
        Invalid("""
            import torch
            import torch.nn.functional as F
            loss = -(targets * torch.log(torch.sigmoid(scores))).mean()
            other = logits.softmax(-1).log()
        """, line=3, expected_fix="""
            import torch
            import torch.nn.functional as F
            loss = -(targets * F.logsigmoid(scores)).mean()
            other = logits.log_softmax(-1)
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            policy = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2), nn.Softmax(dim=-1))
            def act(state):
                probs = policy(state)
                return torch.log(probs)
        """, line=6),
        Invalid("""
            import torch
            from torch.nn import functional as F
            probs = F.softmax(out, dim=1)
            nll = -torch.log(probs).gather(1, y[:, None])
        """, line=4),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualify(node.func) == "torch.log":
            argument, single = syntax.argument(node, 0, "input"), len(node.args) == 1 and node.args[0].keyword is None
        elif syntax.method_name(node) == "log" and not node.args and isinstance(node.func, cst.Attribute):
            argument, single = node.func.value, True
        else:
            return
        if argument is None:
            return
        value = kind_of(self.context, argument)
        if value is None or value.kind not in _BETTER:
            return
        fix = self._fix(node, argument) if single and isinstance(argument, cst.Call) else None
        self.report(node, fix=fix, kind="a softmax" if value.kind is Kind.PROBS else "a sigmoid", origin=value.origin, better=_BETTER[value.kind])

    def _fix(self, node: cst.Call, inner: cst.Call) -> PendingFix | None:
        if syntax.has_star_args(inner) or not isinstance(inner.func, cst.Attribute):
            return None
        qualname = self.context.qualify(inner.func)
        method = inner.func.attr.value if qualname is None and not isinstance(self.context.value(inner.func), Instance) else None
        if qualname in SOFTMAX_FUNCTIONS or method == "softmax":
            new: cst.BaseExpression = inner.with_changes(func=inner.func.with_changes(attr=cst.Name("log_softmax")))
            return PendingFix("use log_softmax", node, new.with_changes(lpar=(), rpar=()), applicability=Applicability.SAFE)
        if qualname in SIGMOID_FUNCTIONS and len(inner.args) == 1 and (first := syntax.argument(inner, 0, "input")) is not None:
            tensor = first
        elif method == "sigmoid" and not inner.args:
            tensor = inner.func.value
        else:
            return None
        functional = functional_alias(self.context)
        if functional is None:
            return None
        new = cst.Call(cst.parse_expression(f"{functional}.logsigmoid"), [cst.Arg(tensor.with_changes(lpar=(), rpar=()))])
        return PendingFix("use logsigmoid", node, new, applicability=Applicability.SAFE)
