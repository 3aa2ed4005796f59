from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.bindings import Where, here
from nnlint.analysis.pipelines import configured_number, literal_string, number
from nnlint.analysis.torch_api import ADAPTIVE_OPTIMIZERS, OTHER_OPTIMIZERS, SGD_OPTIMIZERS
from nnlint.rule import Invalid, Rule, Valid

_TOO_LOW = 1e-7
#: the optimizer's own lr is overridden or only a scale here: a schedule sets the rate, or an LR range test sweeps it
_RATE_SET_ELSEWHERE = ("OneCycleLR", "CyclicLR", "LambdaLR", "MultiplicativeLR", "lr_lambda", "param_groups", "range_test", "LRFinder", "lr_find")
#: SGD at lr >= 1 is the recipe of recurrent language models (Zaremba et al. lr=1, AWD-LSTM lr=30), with clipped gradients
_LARGE_SGD_RECIPES = ("clip_grad", "gradient_clip", "LSTM", "GRU", "RNN")


class ExtremeLearningRate(Rule):
    """A literal learning rate far outside the range where the optimizer can learn.

    ## What it does
    Reports an optimizer built with a learning rate that is known (a literal, simple
    arithmetic on literals, a name bound once to one, a config dict entry, a dataclass
    default, or the default of an argparse option — which the message says may be
    overridden from the command line; the finding lands on that default or entry,
    where the fix goes) and extreme for its family:
    `lr >= 1` for `SGD`/`ASGD`, `lr >= 0.1` for the Adam family (`Adam`, `AdamW`,
    `NAdam`, `RAdam`, `Adamax`, `RMSprop`), and `lr <= 1e-7` for any of them (and for
    `Adagrad`/`Adadelta`/`Rprop`). Per-parameter-group `"lr"` entries are checked too.

    It stays silent where the optimizer's own rate is not the rate that trains: a
    `OneCycleLR`/`CyclicLR`/`LambdaLR` schedule, learning rates written into
    `param_groups` by hand, an LR range test (`LRFinder`, `lr_find`); and for SGD at
    `lr >= 1` when gradients are clipped or the file builds recurrent layers (the
    classic LSTM language-model recipe uses SGD with lr 1-30 and clipping).

    ## Why is this bad?
    Too high, the first updates overshoot, the loss jumps or turns NaN and the network
    never recovers; too low, the weights barely move and the loss looks flat for the
    whole run (checklist item 36). Adam's step is normalised, so its useful range is
    about 1e-5 to 1e-2: a rate that suits SGD (0.1) is extreme for Adam.

    ## Example
    ```python
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    ```

    ## Use instead
    ```python
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    ```
    then try x10 and /10 around it (or run an LR range test).
    """

    code = "NN414"
    name = "extreme-learning-rate"
    checklist = (36,)
    message = "learning rate {lr:g}{source} is {extreme} for {optimizer}: {why}"
    help = "start from the usual range (SGD 0.01-0.1, Adam 1e-4-1e-3) and try x10 and /10"
    requires_text = ("optim", "AdamW")

    valid = [
        Valid("""
            import torch.optim as optim
            sgd = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
            adam = optim.Adam(model.parameters(), lr=3e-4)
            ada = optim.Adadelta(model.parameters(), lr=1.0)
        """, why="usual rates; Adadelta's default lr is 1.0"),
        Valid("""
            import torch
            optimizer = torch.optim.SGD(model.parameters(), lr=20)
            other = torch.optim.SGD(rnn_lm.parameters(), lr=30.0)
            for x, y in batches:
                loss = criterion(model(x), y)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
                optimizer.step()
        """, why="SGD with a large rate and clipped gradients: the LSTM language-model recipe"),
        Valid("""
            import torch
            from torch_lr_finder import LRFinder
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-7, weight_decay=1e-2)
            lr_finder = LRFinder(model, optimizer, criterion)
            lr_finder.range_test(train_loader, end_lr=100, num_iter=100)
        """, why="an LR range test starts from a tiny rate on purpose"),
        Valid("""
            import torch
            optimizer = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9)
            scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda step: rate(step, 512, 4000))
        """, why="a LambdaLR schedule multiplies lr=1.0 into the real rate (the Annotated Transformer)"),
        Valid("""
            import torch
            optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
            lr = 0.01
            if args.large_batch:
                lr = 4.0
            other = torch.optim.SGD(model.parameters(), lr=lr)
        """, why="rates from configuration, or from a name that differs between branches, are not known"),
    ]
    invalid = [
        Invalid("""
            import torch
            optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
        """, line=2),
        Invalid("""
            from torch.optim import SGD as Optimizer
            LEARNING_RATE = 10
            def build(net):
                return Optimizer(net.parameters(), LEARNING_RATE, momentum=0.9)
        """, line=4),
        Invalid("""
            import torch.optim as optim
            opt = optim.AdamW(model.parameters(), lr=1e-3 * 1e-5)
        """, line=2),
        Invalid("""
            import torch.optim as optim
            opt = optim.Adam([
                {"params": model.backbone.parameters()},
                {"params": model.head.parameters(), "lr": 1},
            ], lr=1e-4)
        """, line=4),
        Invalid("""
            import argparse
            import torch
            parser = argparse.ArgumentParser()
            parser.add_argument("--lr", type=float, default=1.0)
            args = parser.parse_args()
            optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        """, line=4),
        Invalid("""
            import torch
            cfg = {"optim": {"lr": 0.5}, "epochs": 10}
            def build(model, cfg):
                return torch.optim.AdamW(model.parameters(), lr=cfg["optim"]["lr"])
            optimizer = build(model, cfg)
        """, line=2),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        optimizer = self.context.qualify(node.func)
        if optimizer not in SGD_OPTIMIZERS and optimizer not in ADAPTIVE_OPTIMIZERS and optimizer not in OTHER_OPTIMIZERS:
            return
        if any(word in self.context.text for word in _RATE_SET_ELSEWHERE):
            return
        where = here(self.context)
        groups = syntax.argument(node, 0, "params")
        if isinstance(groups, (cst.List, cst.Tuple)):
            for element in groups.elements:
                if isinstance(element.value, cst.Dict):
                    lr = next((e.value for e in element.value.elements if isinstance(e, cst.DictElement) and literal_string(e.key) == "lr"), None)
                    self._check(optimizer, lr, where, low=False)
        if not isinstance(groups, (cst.List, cst.Tuple)) or not all(self._sets_lr(e.value) for e in groups.elements):
            self._check(optimizer, syntax.argument(node, 1, "lr"), where, low=True)

    def _check(self, optimizer: str, lr_node: cst.BaseExpression | None, where: Where | None, low: bool) -> None:
        if lr_node is None:
            return
        lr, source, at = number(self.context, lr_node, where), "", lr_node
        if lr is None:
            found = configured_number(self.context, lr_node)
            if found is None:
                return
            lr, source, at = found
        lr_node = at
        short = optimizer.rsplit(".", 1)[-1]
        if low and 0 <= lr <= _TOO_LOW:
            self.report(lr_node, lr=lr, source=source, extreme="too low", optimizer=short, why="the weights barely move and the loss stays flat")
        elif optimizer in SGD_OPTIMIZERS and lr >= 1 and not any(word in self.context.text for word in _LARGE_SGD_RECIPES):
            self.report(lr_node, lr=lr, source=source, extreme="too high", optimizer=short,
                        why="the first updates overshoot and the loss diverges or turns NaN")
        elif optimizer in ADAPTIVE_OPTIMIZERS and lr >= 0.1:
            self.report(lr_node, lr=lr, source=source, extreme="too high", optimizer=short,
                        why="its steps are normalised, so a rate that suits SGD makes it diverge (try 1e-3)")

    @staticmethod
    def _sets_lr(element: cst.BaseExpression) -> bool:
        return isinstance(element, cst.Dict) and any(isinstance(e, cst.DictElement) and literal_string(e.key) == "lr" for e in element.elements)
