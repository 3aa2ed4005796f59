from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.frameworks import lightning
from nnlint.analysis.training import is_model
from nnlint.rule import Invalid, Rule, Valid


class TrainModeInEvalHook(Rule):
    """A Lightning evaluation hook switches the model back to training mode.

    ## What it does
    Reports `self.train()` (or `.train()` on a model the module holds, such as
    `self.model.train()`) inside the `validation_step`, `test_step` or
    `predict_step` of a `LightningModule` — a subclass of `LightningModule`,
    directly or through your own classes. `.train(False)` is left alone.

    ## Why is this bad?
    Lightning calls `model.eval()` before the evaluation loop and `model.train()`
    after it: the hooks already run in eval mode, with autograd off. A
    `.train()` in the hook — a habit from hand-written loops, where it restores
    the mode after evaluation — switches Dropout and BatchNorm back on for every
    later batch of the same loop: validation metrics are noisy and pessimistic,
    and BatchNorm's running statistics are updated with validation data
    (checklist item 32).

    ## Example
    ```python
    class LitModel(pl.LightningModule):
        def validation_step(self, batch, batch_idx):
            x, y = batch
            self.log("val_loss", F.cross_entropy(self(x), y))
            self.train()
    ```

    ## Use instead
    ```python
    class LitModel(pl.LightningModule):
        def validation_step(self, batch, batch_idx):
            x, y = batch
            self.log("val_loss", F.cross_entropy(self(x), y))
    ```
    Lightning restores training mode itself when the training loop resumes.
    """

    code = "NN426"
    name = "train-mode-in-eval-hook"
    checklist = (32,)
    message = "{call} in {hook}: Lightning runs this hook in eval mode, and this switches Dropout and BatchNorm back to training for the rest of the evaluation loop"
    help = "remove it: Lightning calls model.train() itself when training resumes"
    requires_text = ("LightningModule",)

    valid = [
        Valid("""
            import pytorch_lightning as pl
            import torch.nn.functional as F
            class LitModel(pl.LightningModule):
                def validation_step(self, batch, batch_idx):
                    x, y = batch
                    self.log("val_loss", F.cross_entropy(self(x), y))
                def on_validation_epoch_end(self):
                    self.train()
        """, why="outside the step hooks Lightning runs in eval mode"),
        Valid("""
            import lightning as L
            class LitModel(L.LightningModule):
                def test_step(self, batch, batch_idx):
                    self.backbone.train(False)
                    return self(batch)
        """, why=".train(False) is eval mode"),
        Valid("""
            import torch.nn as nn
            class Runner:
                def validation_step(self, model, batch):
                    out = model(batch)
                    model.train()
                    return out
        """, why="not a LightningModule: a hand-written loop's helper, where restoring the mode is right"),
        Valid("""
            import pytorch_lightning as pl
            class MCDropout(pl.LightningModule):
                def predict_step(self, batch, batch_idx):
                    self.dropout.train()
                    return self(batch)
        """, why="the receiver is not known to be a model (MC dropout on one layer is deliberate)"),
    ]
    invalid = [
        Invalid("""
            import pytorch_lightning as pl
            import torch.nn.functional as F
            class LitModel(pl.LightningModule):
                def validation_step(self, batch, batch_idx):
                    x, y = batch
                    self.log("val_loss", F.cross_entropy(self(x), y))
                    self.train()
        """, line=7),
        Invalid("""
            import lightning.pytorch as pl
            import torch.nn as nn
            class Base(pl.LightningModule):
                pass
            class System(Base):
                def __init__(self):
                    super().__init__()
                    self.model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
                def test_step(self, batch, batch_idx):
                    self.model.train()
                    return self.model(batch[0])
        """, line=10),
        Invalid("""
            from pytorch_lightning import LightningModule
            class Classifier(LightningModule):
                def predict_step(self, batch, batch_idx):
                    self.train(True)
                    return self(batch).softmax(-1)
        """, line=4),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if syntax.method_name(node) != "train" or syntax.literal_bool(syntax.argument(node, 0, "mode")) is False:
            return
        function = self.context.enclosing(cst.FunctionDef)
        if not isinstance(function, cst.FunctionDef) or not lightning.is_evaluation_hook(function, self.context.info):
            return
        assert isinstance(node.func, cst.Attribute)
        if not is_model(self.context.value(node.func.value)):
            return
        self.report(node, call=self.context.module.code_for_node(node), hook=function.name.value)
