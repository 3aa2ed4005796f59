from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.training import mode_dependent_layers, model_call_target, trains
from nnlint.analysis.values import Instance, Mode
from nnlint.analysis.torch_api import GRAD_MODE
from nnlint.diagnostic import Applicability
from nnlint.rule import Invalid, PendingFix, Rule, Valid

_EVAL_FUNCTION_WORDS = ("eval", "valid", "test", "infer", "predict")


class EvalWithoutEvalMode(Rule):
    """The model is evaluated in training mode, or trained in evaluation mode.

    ## What it does
    Finds evaluation loops — loops over batches that never reach `backward()`,
    under `torch.no_grad()`/`inference_mode()` or in a function named like
    `evaluate`/`validate`/`test` — that run a model still in training mode, and
    training loops that run a model left in eval mode by the validation pass of
    the previous epoch (`model.eval()` without `model.train()` before the next
    training pass) or by an evaluation helper the training loop itself calls
    every N steps (`if step % eval_steps == 0: evaluate(model)`) with no
    `model.train()` after it. It follows `model.eval()`/`model.train()` through
    assignments, branches, loops and helper functions (`def evaluate(model, loader):
    model.eval() ...` called from the epoch loop).

    ## Why is this bad?
    Dropout and BatchNorm behave differently in the two modes (checklist item 32).
    Evaluated in training mode, Dropout keeps dropping units (noisy, pessimistic
    metrics) and BatchNorm normalises with the statistics of each validation batch
    *and updates its running averages with validation data*. Trained in eval mode,
    Dropout is off (no regularisation) and BatchNorm's running statistics freeze:
    every epoch after the first trains a different network than you think.

    ## Example
    ```python
    for epoch in range(epochs):
        for x, y in train_loader:
            ...
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            for x, y in val_loader:
                accuracy += (model(x).argmax(1) == y).sum()
    ```

    ## Use instead
    ```python
    for epoch in range(epochs):
        model.train()
        for x, y in train_loader:
            ...
        model.eval()
        with torch.no_grad():
            for x, y in val_loader:
                accuracy += (model(x).argmax(1) == y).sum()
    ```
    The fix (unsafe) inserts `model.eval()` before the evaluation pass, or
    `model.train()` before the training loop.
    """

    code = "NN402"
    name = "eval-without-eval-mode"
    checklist = (32,)
    message = "{model} {problem}{layers}"
    help = "call model.eval() before evaluating and model.train() before training again"
    fixable = True
    requires_text = ("torch",)

    valid = [
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
            def evaluate(model):
                model.eval()
                with torch.no_grad():
                    return sum(model(x).sum() for x, _ in val_loader)
            model.train()
            for step, (x, y) in enumerate(train_loader):
                loss_fn(model(x), y).backward()
                if step % 100 == 0:
                    print(evaluate(model))
                    model.train()
        """, why="the loop switches back to training mode after each evaluation"),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
            class Trainer:
                def __init__(self, model):
                    self.model = model
                def step(self, x, y):
                    loss_fn(self.model(x), y).backward()
            trainer = Trainer(model)
            def fit_and_evaluate(loader):
                for x, y in loader:
                    print(model(x).shape)
                    trainer.step(x, y)
            fit_and_evaluate(train_loader)
        """, why="the loop trains through trainer.step(), whose method runs backward(): model.eval() must not be inserted"),
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
            for epoch in range(10):
                model.train()
                for x, y in train_loader:
                    loss = loss_fn(model(x), y)
                    loss.backward()
                model.eval()
                with torch.no_grad():
                    for x, y in val_loader:
                        out = model(x)
        """, why="modes switched at the right places inside the epoch loop"),
        Valid("""
            import torch
            import torch.nn as nn
            def evaluate(model, loader):
                model.eval()
                with torch.no_grad():
                    for x, y in loader:
                        out = model(x)
                model.train()
            net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
            for epoch in range(3):
                for x, y in train_loader:
                    net(x).sum().backward()
                evaluate(net, val_loader)
        """, why="the helper switches to eval and back to train"),
        Valid("""
            import torch
            import torch.nn as nn
            net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
            with torch.no_grad():
                for x, y in val_loader:
                    out = net(x)
        """, why="no Dropout or BatchNorm anywhere: the modes are identical"),
        Valid("""
            import torch
            def validate(model, loader):
                with torch.no_grad():
                    for x, y in loader:
                        out = model(x)
        """, why="the model's mode is unknown: nobody in this file calls validate()"),
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
            model.eval()  # frozen BatchNorm statistics while fine-tuning, on purpose
            for x, y in train_loader:
                loss_fn(model(x), y).backward()
        """, why="eval mode before training throughout is deliberate (frozen BatchNorm)"),
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.1), nn.Linear(8, 2))
            model.eval()
            def evaluate(loader):
                with torch.no_grad():
                    for x, y in loader:
                        out = model(x)
            evaluate(test_loader)
        """, why="model.eval() was called before the helper runs"),
    ]
    invalid = [
        Invalid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
            def evaluate(model):
                model.eval()
                with torch.no_grad():
                    return sum(model(x).sum() for x, _ in val_loader)
            model.train()
            for step, (x, y) in enumerate(train_loader):
                loss_fn(model(x), y).backward()
                if step % 100 == 0:
                    print(evaluate(model))
        """, line=10),
        Invalid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
            for epoch in range(10):
                model.train()
                for x, y in train_loader:
                    loss = loss_fn(model(x), y)
                    loss.backward()
                with torch.no_grad():
                    for x, y in val_loader:
                        out = model(x)
        """, line=11, expected_fix="""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
            for epoch in range(10):
                model.train()
                for x, y in train_loader:
                    loss = loss_fn(model(x), y)
                    loss.backward()
                model.eval()
                with torch.no_grad():
                    for x, y in val_loader:
                        out = model(x)
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.features = nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
                    self.head = nn.Linear(8, 10)
                def forward(self, x):
                    return self.head(self.features(x).mean((2, 3)))
            def evaluate(model, loader):
                correct = 0
                with torch.no_grad():
                    for x, y in loader:
                        correct += (model(x).argmax(1) == y).sum().item()
                return correct
            net = Net()
            for x, y in train_loader:
                net(x).sum().backward()
            print(evaluate(net, test_loader))
        """, line=14),
        Invalid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
            for epoch in range(10):
                for x, y in train_loader:
                    loss = loss_fn(model(x), y)
                    loss.backward()
                model.eval()
                with torch.no_grad():
                    for x, y in val_loader:
                        out = model(x)
        """, line=6, expected_fix="""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
            for epoch in range(10):
                model.train()
                for x, y in train_loader:
                    loss = loss_fn(model(x), y)
                    loss.backward()
                model.eval()
                with torch.no_grad():
                    for x, y in val_loader:
                        out = model(x)
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            with open("log.txt", "w") as log:
                model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
                for x, y in train_loader:
                    loss_fn(model(x), y).backward()
                with torch.no_grad():
                    for x, y in val_loader:
                        out = model(x)
        """, line=9, expected_fix="""
            import torch
            import torch.nn as nn
            with open("log.txt", "w") as log:
                model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
                for x, y in train_loader:
                    loss_fn(model(x), y).backward()
                model.eval()
                with torch.no_grad():
                    for x, y in val_loader:
                        out = model(x)
        """),  # fuzz-found: the fix went above the outer `with`, before the model existed
        Invalid("""
            import torch
            import torchvision
            model = torchvision.models.resnet18(num_classes=10)
            @torch.no_grad()
            def test(loader):
                for images, labels in loader:
                    preds = model(images).argmax(1)
            test(test_loader)
        """, line=7),
    ]

    def visit_For(self, node: cst.For) -> None:
        calls = list(syntax.calls_in(node.body))
        if not calls:
            return
        training_loop = trains(node.body, self.context.info)
        if not training_loop and not self._evaluating():
            return
        env = self.context.env()
        reported: set[Instance] = set()
        # calls of an inner loop are that loop's to judge (its own mode on entry): the flip inside this
        # loop that an inner loop starts from would otherwise report the same call twice
        inner = {call for statement in syntax.walk_statements(syntax.body_statements(node))
                 if isinstance(statement, cst.For) for call in syntax.calls_in(statement.body)}
        for call in calls:
            model = model_call_target(call, self.context, env)
            if model is None or model in reported:
                continue
            # training: only the mixed case (eval for validation leaks into the next epoch) — a model put in
            # eval mode on purpose before training (frozen BatchNorm) is {EVAL} throughout and stays silent
            expected = {Mode.TRAIN, Mode.EVAL} if training_loop else {Mode.TRAIN}
            # or, in training, eval mode set inside the loop (an evaluation helper every N steps) and never undone there
            flipped = (training_loop and call not in inner and env.modes.get(model) == {Mode.TRAIN}
                       and self._mode_at(call, model) == expected)
            if env.modes.get(model) != expected and not flipped:
                continue
            layers, known = mode_dependent_layers(model)
            if known and not layers:
                continue
            reported.add(model)
            self.report(call, fix=None if flipped else self._fix(call, node, training_loop), model=self._name(call), problem=self._problem(training_loop),
                        layers=f" ({', '.join(layers)} inside)" if layers else "")

    def _mode_at(self, call: cst.Call, model: Instance) -> frozenset[Mode] | None:
        """The model's mode at the statement of ``call`` (what earlier iterations of its loop left)."""
        site = self.context.interpreter.calls.by_call.get(id(call))
        return self.context.interpreter.env_before(site[1], site[0]).modes.get(model) if site is not None else None

    def _evaluating(self) -> bool:
        if self.context.under_no_grad():
            return True
        function = self.context.enclosing(cst.FunctionDef)
        return isinstance(function, cst.FunctionDef) and any(word in function.name.value.lower() for word in _EVAL_FUNCTION_WORDS)

    @staticmethod
    def _problem(trains: bool) -> str:
        if trains:
            return ("may still be in eval mode in this training loop: model.eval() runs for validation and model.train() "
                    "is not called before the next training pass")
        return "is in training mode in this evaluation loop: Dropout stays active and BatchNorm uses and updates batch statistics"

    def _name(self, call: cst.Call) -> str:
        func = call.func.value if isinstance(call.func, cst.Attribute) and call.func.attr.value == "forward" else call.func
        return self.context.module.code_for_node(func)

    def _fix(self, call: cst.Call, loop: cst.For, trains: bool) -> PendingFix | None:
        func = call.func.value if isinstance(call.func, cst.Attribute) and call.func.attr.value == "forward" else call.func
        if not isinstance(func, cst.Name):
            return None
        anchor: cst.CSTNode = loop
        ancestors = list(reversed(self.context.ancestors))  # the call's, innermost first: the loop, then what holds it
        for ancestor in ancestors[ancestors.index(loop) + 1:] if loop in ancestors else ():
            if not isinstance(ancestor, cst.With) or trains:
                if isinstance(ancestor, cst.BaseCompoundStatement):
                    break  # an unrelated block: the model may not even exist above it
                continue
            if any(self.context.qualify(item.item.func if isinstance(item.item, cst.Call) else item.item) in GRAD_MODE
                   for item in ancestor.items):
                anchor = ancestor  # before `with torch.no_grad():`, not inside it
        method = "train" if trains else "eval"
        return PendingFix(f"insert {func.value}.{method}()", anchor, insert_before=f"{func.value}.{method}()", applicability=Applicability.UNSAFE)
