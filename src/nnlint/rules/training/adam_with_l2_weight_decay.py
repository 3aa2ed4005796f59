from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.bindings import here
from nnlint.analysis.pipelines import number
from nnlint.analysis.torch_api import COUPLED_DECAY_OPTIMIZERS
from nnlint.diagnostic import Severity
from nnlint.rule import Invalid, Rule, Valid

_THRESHOLD = 1e-2


class AdamWithL2WeightDecay(Rule):
    """`Adam` with a large `weight_decay`: an L2 penalty where decoupled decay (`AdamW`) was probably meant.

    ## What it does
    Reports `torch.optim.Adam` (and `NAdam`, `RAdam`, `Adamax`) built with a known
    `weight_decay >= 1e-2` and without `decoupled_weight_decay=True`. Off by default:
    it guesses at intent.

    ## Why is this bad?
    In `Adam`, `weight_decay` adds `wd * w` to the gradient, which Adam then divides by
    the running gradient scale: weights with large gradients are barely decayed and
    weights with small gradients are decayed hard. Values such as 0.01-0.1 come from
    `AdamW` recipes, where the decay is applied to the weights directly; in `Adam` they
    act as a strong, uneven L2 penalty and the network underfits (checklist item 30).

    ## Example
    ```python
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=0.05)
    ```

    ## Use instead
    ```python
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    ```
    or keep `Adam` with a small L2 term (`weight_decay=1e-5`).
    """

    code = "NN420"
    name = "adam-with-l2-weight-decay"
    checklist = (30,)
    message = "{optimizer} with weight_decay={wd:g} adds an L2 term that Adam rescales per weight; decoupled decay (AdamW) was probably meant"
    help = "use torch.optim.AdamW for decoupled weight decay, or a much smaller weight_decay with Adam"
    severity = Severity.INFO
    default_enabled = False
    requires_text = ("Adam",)

    valid = [
        Valid("""
            import torch
            optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
        """, why="AdamW decouples the decay"),
        Valid("""
            import torch.optim as optim
            optimizer = optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
        """, why="a small L2 term is a deliberate choice"),
        Valid("""
            import torch
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=0.1, decoupled_weight_decay=True)
            sgd = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=0.01)
        """, why="decoupled decay asked for explicitly; SGD's weight_decay is the usual L2"),
        Valid("""
            import torch
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=cfg.wd)
        """, why="weight decay from configuration: unknown"),
    ]
    invalid = [
        Invalid("""
            import torch
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=0.05)
        """, line=2),
        Invalid("""
            from torch.optim import Adam
            WD = 1e-1
            opt = Adam(net.parameters(), 3e-4, (0.9, 0.999), 1e-8, WD)
        """, line=3),
        Invalid("""
            import torch.optim as optim
            def make_optimizer(model):
                return optim.NAdam(model.parameters(), lr=2e-3, weight_decay=1e-2)
        """, line=3),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.context.qualify(node.func)
        if qualname not in COUPLED_DECAY_OPTIMIZERS:
            return
        if syntax.literal_bool(getattr(syntax.keyword(node, "decoupled_weight_decay"), "value", None)) is True:
            return
        decay = syntax.argument(node, COUPLED_DECAY_OPTIMIZERS[qualname], "weight_decay")
        value = number(self.context, decay, here(self.context))
        if decay is not None and value is not None and value >= _THRESHOLD:
            self.report(decay, optimizer=qualname.rsplit(".", 1)[-1], wd=value)
