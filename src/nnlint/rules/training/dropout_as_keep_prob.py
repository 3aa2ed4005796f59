from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.bindings import here
from nnlint.analysis.pipelines import configured_number, number
from nnlint.analysis.torch_api import DROPOUT_LAYERS, DROPOUT_PROBABILITY_FUNCTIONS, LAYERS_WITH_DROPOUT_OPTION
from nnlint.rule import Invalid, Rule, Valid

_THRESHOLD = 0.8


class DropoutAsKeepProb(Rule):
    """A dropout probability of 0.8 or more: probably a keep-probability passed as `p`.

    ## What it does
    Reports `nn.Dropout(p)` (and `Dropout1d/2d/3d`, `AlphaDropout`), `F.dropout(x, p)`
    and the `dropout=` option of `nn.LSTM`/`GRU`/`RNN`/`Transformer*`/`MultiheadAttention`
    when `p` is known (a literal, arithmetic on literals, a name bound once to one, or a
    value the semantic model follows from configuration: a config dict, a dataclass
    default, an argparse default) and at least 0.8. The finding lands on the literal
    that sets it when that is in the file. A functional dropout called with `training=False` does nothing and is
    not reported.

    ## Why is this bad?
    In PyTorch `p` is the probability to **drop** a unit. TensorFlow 1 and many papers
    use `keep_prob`, where 0.8 means "keep 80%". Passed to PyTorch, 0.8 zeroes 80% of
    the activations and scales the rest by 5: the network underfits badly or does not
    learn at all (checklist item 30, too much regularisation).

    ## Example
    ```python
    self.drop = nn.Dropout(0.8)  # meant: keep 80%
    ```

    ## Use instead
    ```python
    self.drop = nn.Dropout(p=0.2)  # drop 20%, keep 80%
    ```
    """

    code = "NN415"
    name = "dropout-as-keep-prob"
    checklist = (30,)
    message = "dropout p={p:g}{source} drops {share:.0%} of the units: p is the probability to drop, not to keep"
    help = "pass the drop probability (1 - keep_prob), e.g. nn.Dropout(p=0.2)"
    requires_text = ("ropout",)

    valid = [
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            head = nn.Sequential(nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10))
            lstm = nn.LSTM(128, 256, num_layers=2, dropout=0.3)
            def forward(x, training):
                return F.dropout(x, p=0.1, training=training)
        """, why="usual drop probabilities"),
        Valid("""
            import torch.nn as nn
            KEEP_PROB = 0.8
            drop = nn.Dropout(p=1 - KEEP_PROB)
        """, why="the keep-probability is converted: p = 0.2"),
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Block(nn.Module):
                def __init__(self, p):
                    super().__init__()
                    self.drop = nn.Dropout(p)
                def forward(self, x):
                    return F.dropout(self.drop(x), self.p, training=self.training)
        """, why="probabilities from parameters are not known"),
        Valid("""
            import torch.nn.functional as F
            features = F.dropout(x, 0.9, training=False)
        """, why="training=False: the call does nothing"),
        Valid("""
            import argparse
            import torch.nn as nn
            parser = argparse.ArgumentParser()
            parser.add_argument("--dropout", type=float, default=0.1)
            parser.add_argument("--keep-prob", type=float, default=0.9)
            args = parser.parse_args()
            model = nn.Sequential(nn.Linear(8, 64), nn.Dropout(args.dropout), nn.Dropout(1 - args.keep_prob))
        """, why="the configured drop probability is 0.1; a configured keep-probability is converted"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.8), nn.Linear(512, 10))
        """, line=2),
        Invalid("""
            import torch
            import torch.nn as nn
            keep_prob = 0.9
            class Net(nn.Module):
                def forward(self, x):
                    x = torch.nn.functional.dropout(x, keep_prob, self.training)
                    return self.fc(x)
        """, line=6),
        Invalid("""
            from torch import nn
            encoder = nn.TransformerEncoderLayer(d_model=256, nhead=8, dropout=0.9)
            spatial = nn.Dropout2d(p=1.0)
        """, line=2),
        Invalid("""
            import argparse
            import torch.nn as nn
            parser = argparse.ArgumentParser()
            parser.add_argument("--dropout", type=float, default=0.95)
            args = parser.parse_args()
            model = nn.Sequential(nn.Linear(8, 64), nn.Tanh(), nn.Dropout(args.dropout), nn.Linear(64, 1))
        """, line=4),
        Invalid("""
            import torch.nn as nn
            CONFIG = {"model": {"hidden": 128, "dropout": 0.85}}
            def build(cfg):
                return nn.Sequential(nn.Linear(20, cfg["hidden"]), nn.ReLU(), nn.Dropout(cfg["dropout"]))
            model = build(CONFIG["model"])
        """, line=2),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.context.qualify(node.func)
        if qualname in DROPOUT_LAYERS:
            p = syntax.argument(node, 0, "p")
        elif qualname in DROPOUT_PROBABILITY_FUNCTIONS:
            training = syntax.argument(node, 2, "training")
            if syntax.literal_bool(training if training is not None else syntax.argument(node, 2, "train")) is False:
                return
            p = syntax.argument(node, 1, "p")
        elif qualname in LAYERS_WITH_DROPOUT_OPTION:
            p = getattr(syntax.keyword(node, "dropout"), "value", None)
        else:
            return
        if p is None:
            return
        value, source, at = number(self.context, p, here(self.context)), "", p
        if value is None and (found := configured_number(self.context, p)) is not None:
            value, source, at = found
        if value is not None and _THRESHOLD <= value <= 1:
            self.report(at, p=value, share=value, source=source)
