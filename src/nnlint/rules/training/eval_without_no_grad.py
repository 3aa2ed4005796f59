from __future__ import annotations

import re

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.loops import EachLoop, indentation, loop_scope
from nnlint.analysis.optim import called_only_under_grad_mode, sets_grad_mode
from nnlint.analysis.training import model_call_target, trains
from nnlint.analysis.values import Mode
from nnlint.diagnostic import Applicability
from nnlint.rule import Invalid, PendingFix, Rule, Valid


class EvalWithoutNoGrad(EachLoop, Rule):
    """A model in eval mode runs a loop of forward passes with autograd on.

    ## What it does
    Finds loops that call a model known to be in eval mode (`model.eval()` was
    called, here or before a helper was called) while autograd is on: not in
    `with torch.no_grad()` / `torch.inference_mode()`, not in a function
    decorated with them, and not in a function that this file only calls from
    inside such a block. Loops that use gradients on purpose (`backward()`,
    `torch.autograd.grad`, `.grad`, `requires_grad`, `torch.set_grad_enabled`)
    are left alone.

    ## Why is this bad?
    `model.eval()` switches Dropout and BatchNorm to inference behaviour; it
    does not switch autograd off. Every forward pass still records the graph
    and keeps its activations alive as long as the outputs are referenced:
    validation runs slower and needs far more memory than it should, and
    accumulating outputs over a validation set can run out of memory
    (checklist item 32: switch *both* at the right places).

    ## Example
    ```python
    model.eval()
    for x, y in val_loader:
        correct += (model(x).argmax(1) == y).sum().item()
    ```

    ## Use instead
    ```python
    model.eval()
    with torch.no_grad():
        for x, y in val_loader:
            correct += (model(x).argmax(1) == y).sum().item()
    ```
    The fix (unsafe: code in the loop that needs gradients would break) wraps
    the loop in `with torch.no_grad():`.
    """

    code = "NN409"
    name = "eval-without-no-grad"
    checklist = (32,)
    message = "{model} runs in eval mode with autograd on: every forward pass in this loop records a graph nobody uses (memory and time)"
    help = "wrap evaluation in `with torch.no_grad():` (or decorate the function with @torch.no_grad())"
    fixable = True
    requires_text = ("eval",)

    valid = [
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            model.eval()
            with torch.no_grad():
                for x, y in val_loader:
                    out = model(x)
        """, why="already under no_grad"),
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            def evaluate(loader):
                model.eval()
                for x, y in loader:
                    out = model(x)
            with torch.inference_mode():
                evaluate(val_loader)
        """, why="the only call of the helper is under inference_mode"),
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            def run(loader):
                model.eval()
                for x, y in loader:
                    out = model(x)
            def validate(loader):
                return run(loader)
            with torch.no_grad():
                validate(val_loader)
        """, why="called from a helper that only runs under no_grad"),
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            model.eval()
            for x, y in loader:
                x.requires_grad_(True)
                loss = loss_fn(model(x), y)
                grad, = torch.autograd.grad(loss, x)
                adversarial = x + 0.03 * grad.sign()
        """, why="an adversarial attack needs the gradients of the input"),
        Valid("""
            import torch
            for phase in ["train", "val"]:
                if phase == "train":
                    model.train()
                else:
                    model.eval()
                for x, y in loaders[phase]:
                    with torch.set_grad_enabled(phase == "train"):
                        out = model(x)
        """, why="the tutorial pattern: grad mode set per phase (and the model is unknown)"),
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            @torch.no_grad()
            def predict(loader):
                model.eval()
                for x in loader:
                    yield model(x).argmax(1)
        """, why="the function is decorated with no_grad"),
    ]
    invalid = [
        Invalid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            model.eval()
            correct = 0
            for x, y in val_loader:
                correct += (model(x).argmax(1) == y).sum().item()  # count hits
        """, line=7, expected_fix="""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            model.eval()
            correct = 0
            with torch.no_grad():
                for x, y in val_loader:
                    correct += (model(x).argmax(1) == y).sum().item()  # count hits
        """),
        Invalid("""
            import torch
            import torch.nn as nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 2)
                    self.drop = nn.Dropout(0.5)
                def forward(self, x):
                    return self.fc(self.drop(x))

            def validate(model, loader):
                model.eval()
                losses = []
                for x, y in loader:
                    # one batch
                    out = model(x)
                    losses.append(loss_fn(out, y).item())
                model.train()
                return sum(losses) / len(losses)

            net = Net()
            for epoch in range(10):
                validate(net, val_loader)
        """, line=17, expected_fix="""
            import torch
            import torch.nn as nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 2)
                    self.drop = nn.Dropout(0.5)
                def forward(self, x):
                    return self.fc(self.drop(x))

            def validate(model, loader):
                model.eval()
                losses = []
                with torch.no_grad():
                    for x, y in loader:
                        # one batch
                        out = model(x)
                        losses.append(loss_fn(out, y).item())
                model.train()
                return sum(losses) / len(losses)

            net = Net()
            for epoch in range(10):
                validate(net, val_loader)
        """),
        Invalid("""
            from torch import nn
            import torchvision
            model = torchvision.models.resnet18(num_classes=10)
            model.eval()
            while True:
                batch = next(stream, None)
                if batch is None:
                    break
                print(model(batch).argmax(1))
        """, line=9),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._reported: set[int] = set()

    def _check(self, loop: cst.For | cst.While) -> None:
        context = self.context
        info = context.info
        if context.under_no_grad() or any(sets_grad_mode(node, info) for node in context.ancestors) or "set_grad_enabled" in context.text:
            return
        scope = loop_scope(context.ancestors, info.module)
        if isinstance(scope, cst.FunctionDef) and called_only_under_grad_mode(scope, info) is not False:
            return
        calls = list(syntax.calls_in(loop.body))
        env = context.env()
        model = next((call for call in calls if (target := model_call_target(call, context, env)) is not None
                      and env.modes.get(target) == {Mode.EVAL}), None)
        if model is None or id(model) in self._reported:
            return
        if trains(loop.body, info) or "grad" in info.module.code_for_node(loop):
            return  # uses autograd on purpose: backward(), .grad, autograd.grad, requires_grad, enable_grad
        self._reported.update(id(call) for call in calls)
        func = model.func.value if isinstance(model.func, cst.Attribute) else model.func
        self.report(model, fix=self._fix(loop), model=info.module.code_for_node(func))

    def _fix(self, loop: cst.For | cst.While) -> PendingFix | None:
        module = self.context.module
        torch = next((local for local, name in self.context.info.imports.aliases.items() if name == "torch"), None)
        last, clean = _last_line(loop)
        if torch is None or last is None or not clean:
            return None
        code = module.code_for_node(loop.deep_replace(last, last.with_changes(trailing_whitespace=cst.TrailingWhitespace())).with_changes(leading_lines=()))
        newline = module.default_newline
        if '"""' in code or "'''" in code or "\\\n" in code or "\\\r" in code:
            return None
        indent = indentation(self.context.ancestors, module) + module.default_indent
        # each line keeps its own ending: a file may mix CRLF and LF
        lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", code)  # not str.splitlines: it splits inside strings on \x0c, \u2028...
        lines[-1] = lines[-1].rstrip("\r\n")
        body = "".join(indent + line if line.strip() else line for line in lines)
        return PendingFix(f"wrap the loop in {torch}.no_grad()", loop, f"with {torch}.no_grad():{newline}{body}", applicability=Applicability.UNSAFE)


def _last_line(node: cst.CSTNode) -> tuple[cst.SimpleStatementLine | cst.SimpleStatementSuite | None, bool]:
    """The simple statement that ends a compound statement, and whether no comment block trails it."""
    clean = True
    while True:
        if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return node, clean
        if isinstance(node, cst.IndentedBlock):
            clean = clean and not node.footer
            node = node.body[-1]
        elif isinstance(node, (cst.Try, cst.TryStar)):
            node = node.finalbody or node.orelse or (node.handlers[-1] if node.handlers else node.body)
        elif isinstance(node, (cst.For, cst.While, cst.If)):
            node = node.orelse or node.body
        elif hasattr(node, "body") and isinstance(node.body, cst.BaseSuite):
            node = node.body
        else:
            return None, False
