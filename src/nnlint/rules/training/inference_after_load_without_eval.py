from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.optim import EVAL_FUNCTION_WORDS
from nnlint.analysis.training import mode_dependent_layers, model_call_target, trains
from nnlint.analysis.values import Instance, Mode
from nnlint.rule import Invalid, Rule, Valid


class InferenceAfterLoadWithoutEval(Rule):
    """A model restored with load_state_dict() makes predictions while still in training mode.

    ## What it does
    In files that never train (no `backward()` anywhere, helpers included),
    reports a call of a model that received `load_state_dict(...)` while it is
    still in training mode — no `model.eval()` on any path since it was built,
    followed through assignments, branches and helper functions (a model built
    and restored inside a helper counts as still training only when the file
    never calls `.eval()` or `.train(...)` at all). Models with no Dropout or
    BatchNorm are skipped, and evaluation loops whose mode is known are left to
    NN402.

    ## Why is this bad?
    A freshly built module is in training mode, and loading weights does not
    change that. Dropout keeps zeroing random activations, BatchNorm normalises
    each batch with its own statistics (a batch of one image gives garbage), so
    the restored model predicts worse than it did in validation and not even
    deterministically (checklist item 32).

    ## Example
    ```python
    model = Net()
    model.load_state_dict(torch.load("best.pt"))
    prediction = model(image).argmax(1)
    ```

    ## Use instead
    ```python
    model = Net()
    model.load_state_dict(torch.load("best.pt"))
    model.eval()
    with torch.no_grad():
        prediction = model(image).argmax(1)
    ```
    """

    code = "NN419"
    name = "inference-after-load-without-eval"
    checklist = (32,)
    message = "{model} was restored with load_state_dict() but is still in training mode here{layers}: its predictions are noisy and wrong"
    help = "call model.eval() after loading the weights and before predicting"
    requires_text = ("load_state_dict",)

    valid = [
        Valid("""
            import torch
            import torchvision
            model = torchvision.models.resnet18()
            model.load_state_dict(torch.load("best.pt"))
            model.eval()
            print(model(image).argmax(1))
        """, why="eval() after loading"),
        Valid("""
            import torch
            import torchvision
            def restore(path):
                net = torchvision.models.resnet18(num_classes=10)
                net.load_state_dict(torch.load(path))
                return net.eval()
            model = restore("best.pt")
            print(model(image))
        """, why="a helper restores and switches to eval mode"),
        Valid("""
            import torch
            import torchvision
            model = torchvision.models.resnet18()
            model.load_state_dict(torch.load("last.pt"))
            opt = torch.optim.SGD(model.parameters(), lr=0.01)
            for x, y in loader:
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                opt.step()
        """, why="resuming training: training mode is right"),
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
            model.load_state_dict(torch.load("mlp.pt"))
            print(model(x))
        """, why="no Dropout or BatchNorm: the modes behave the same"),
    ]
    invalid = [
        Invalid("""
            import torch
            import torchvision
            model = torchvision.models.resnet50()
            model.load_state_dict(torch.load("best.pt", map_location="cpu"))
            with torch.no_grad():
                prediction = model(image).argmax(1)
        """, line=6),
        Invalid("""
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.drop = nn.Dropout(0.5)
                    self.fc = nn.Linear(16, 3)
                def forward(self, x):
                    return self.fc(self.drop(x))
            def predict(model, x):
                return model(x).softmax(-1)
            net = Net()
            net.load_state_dict(torch.load("net.pt"))
            print(predict(net, features))
        """, line=11),
        Invalid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Flatten(), nn.LazyLinear(10))
            state = torch.load("ckpt.pt")
            model.load_state_dict(state["model"])
            for path in paths:
                scores = model(load_image(path))
        """, line=7),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._loaded: set[Instance] | None = None
        self._reported: set[Instance] = set()

    def visit_Call(self, node: cst.Call) -> None:
        loaded = self._loaded if self._loaded is not None else self._find_loaded()
        if not loaded:
            return
        env = self.context.env()
        model = model_call_target(node, self.context, env)
        if model is None or model not in loaded or model in self._reported:
            return
        modes = env.modes.get(model)
        if modes != {Mode.TRAIN} and not (modes is None and self._never_switched()):
            return
        if modes is not None and self._evaluation_loop():
            return
        layers, known = mode_dependent_layers(model)
        if known and not layers:
            return
        self._reported.add(model)
        func = node.func.value if isinstance(node.func, cst.Attribute) else node.func
        self.report(node, model=self.context.module.code_for_node(func), layers=f" ({', '.join(layers)} inside)" if layers else "")

    def _find_loaded(self) -> set[Instance]:
        """Models that receive load_state_dict() in this file, which never trains."""
        interpreter = self.context.interpreter
        self._loaded = set()
        for scope, statement, call in list(interpreter.calls.by_call.values()):
            if syntax.method_name(call) == "load_state_dict" and isinstance(call.func, cst.Attribute):
                value = interpreter.value(call.func.value, interpreter.env_before(statement, scope))
                if isinstance(value, Instance):
                    self._loaded.add(value)
        if self._loaded and trains(self.context.module, self.context.info):
            self._loaded = set()
        return self._loaded

    def _never_switched(self) -> bool:
        """No ``.eval()`` or ``.train(...)`` anywhere in the file: a model restored in a helper (whose mode the
        interpreter does not carry back to the caller) is still in training mode."""
        text = self.context.text
        return ".eval(" not in text and ".train(" not in text

    def _evaluation_loop(self) -> bool:
        """Inside a ``for`` loop that evaluates (under no_grad, or in an evaluation function): NN402's ground."""
        if not any(isinstance(node, cst.For) for node in self.context.ancestors):
            return False
        function = self.context.enclosing(cst.FunctionDef)
        named = isinstance(function, cst.FunctionDef) and any(word in function.name.value.lower() for word in EVAL_FUNCTION_WORDS)
        return named or self.context.under_no_grad()
