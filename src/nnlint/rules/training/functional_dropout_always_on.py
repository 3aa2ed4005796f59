from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.modules import enclosing_module_method, first_param
from nnlint.analysis.torch_api import TRAINING_FLAG_DROPOUTS
from nnlint.diagnostic import Applicability
from nnlint.rule import Invalid, PendingFix, Rule, Valid

#: functional dropouts whose ``training`` argument (third) defaults to True; alpha_dropout's defaults to False
_TRAINING_POSITION = 2


class FunctionalDropoutAlwaysOn(Rule):
    """`F.dropout` in a module's method without `training=self.training` stays on in eval mode.

    ## What it does
    Reports `F.dropout` / `F.dropout1d` / `F.dropout2d` / `F.dropout3d` (however
    `torch.nn.functional` was imported) called in a method of an `nn.Module`
    subclass — your own classes and subclasses of them, in any file of the
    project — without a `training` argument. Calls outside module classes (where
    there is no `self.training` to pass) and calls that pass `training=` at all,
    `training=True` for Monte-Carlo dropout included, are left alone.

    ## Why is this bad?
    Unlike `nn.Dropout`, the functional form does not know the module's mode: its
    `training` argument defaults to `True`. `model.eval()` then changes nothing and
    validation, test and inference outputs keep being randomly dropped and
    rescaled, so metrics are noisy and pessimistic and predictions differ from
    call to call (checklist item 32).

    ## Example
    ```python
    class Net(nn.Module):
        def forward(self, x):
            x = F.relu(self.fc1(x))
            x = F.dropout(x, p=0.5)
            return self.fc2(x)
    ```

    ## Use instead
    ```python
            x = F.dropout(x, p=0.5, training=self.training)
    ```
    or an `nn.Dropout(0.5)` layer built in `__init__`. The fix (safe: in training
    mode nothing changes, and eval mode gets what `model.eval()` promises) adds
    `training=self.training`.
    """

    code = "NN411"
    name = "functional-dropout-always-on"
    checklist = (32,)
    message = "{call} in {cls}.{method} has no training= argument: it defaults to True, so dropout stays on after model.eval()"
    help = "pass training=self.training, or use an nn.Dropout layer"
    fixable = True
    requires_text = ("dropout",)

    valid = [
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def forward(self, x):
                    x = F.dropout(x, p=0.5, training=self.training)
                    return F.dropout(x, 0.2, self.training)
        """, why="the mode is passed, by keyword or as the third positional argument"),
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class MCDropoutNet(nn.Module):
                def forward(self, x):
                    return self.fc(F.dropout(x, p=0.1, training=True))
        """, why="Monte-Carlo dropout: always on, and explicitly so"),
        Valid("""
            import torch.nn.functional as F
            def word_dropout(embeddings, p=0.1):
                return F.dropout(embeddings, p)
            class Augment:
                def __call__(self, x):
                    return F.dropout(x, 0.1)
        """, why="not a method of an nn.Module: there is no self.training to pass"),
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def forward(self, x, **kwargs):
                    return F.dropout(x, **kwargs)
                @staticmethod
                def noise(x):
                    return F.dropout(x, 0.5)
        """, why="keyword arguments passed through may hold training; a static method has no self"),
        Valid("""
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.drop = nn.Dropout(0.5)
                def forward(self, x):
                    return torch.dropout(self.drop(x), 0.1, self.training)
        """, why="nn.Dropout follows the module's mode; torch.dropout has no default for train"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def forward(self, x):
                    x = F.relu(self.fc1(x))
                    x = F.dropout(x, p=0.5)
                    return self.fc2(x)
        """, line=6, expected_fix="""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def forward(self, x):
                    x = F.relu(self.fc1(x))
                    x = F.dropout(x, p=0.5, training=self.training)
                    return self.fc2(x)
        """),
        Invalid("""
            from torch import nn
            from torch.nn.functional import dropout2d
            class Base(nn.Module):
                pass
            class Block(Base):
                def features(this, x):
                    return dropout2d(
                        this.conv(x),
                        0.2,
                    )
        """, line=7, expected_fix="""
            from torch import nn
            from torch.nn.functional import dropout2d
            class Base(nn.Module):
                pass
            class Block(Base):
                def features(this, x):
                    return dropout2d(
                        this.conv(x),
                        0.2, training=this.training,
                    )
        """),
        Invalid("""
            import torch
            class Encoder(torch.nn.Module):
                def forward(self, x):
                    def drop(h):
                        return torch.nn.functional.dropout(h, self.p)
                    return drop(self.rnn(x)[0])
        """, line=5),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.context.qualify(node.func)
        if qualname not in TRAINING_FLAG_DROPOUTS or syntax.has_star_args(node):
            return
        if syntax.argument(node, _TRAINING_POSITION, "training") is not None:
            return
        found = enclosing_module_method(self.context)
        if found is None:
            return
        cls, method = found
        owner = first_param(method)
        if owner is None:
            return
        self.report(node, fix=self._fix(node, owner), call=f"F.{qualname.rsplit('.', 1)[-1]}", cls=cls.name, method=method.name.value)

    def _fix(self, call: cst.Call, owner: str) -> PendingFix | None:
        """Appends after the last argument's value, so a multi-line call keeps its layout and trailing comma."""
        if not call.args:
            return None
        last = call.args[-1].value
        code = self.context.module.code_for_node(last)
        if "\n" in code:
            return None
        return PendingFix(f"pass training={owner}.training", last, f"{code}, training={owner}.training", applicability=Applicability.SAFE)
