from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.frameworks.facts import EMBEDDING_RESIZE_METHODS
from nnlint.analysis.modules import has_parameters
from nnlint.analysis.torch_api import NOT_OPTIMIZER_PREFIXES, OPTIMIZER_PREFIXES
from nnlint.analysis.values import Instance, short
from nnlint.rule import Invalid, Rule, Valid


@dataclass(frozen=True)
class _Built:
    chains: list[str]  # what it took the parameters() of: "model", "model.fc"
    branches: dict[int, int]  # id(if statement) -> id(the branch the optimizer is built in)


@dataclass(frozen=True)
class _Replacement:
    node: cst.CSTNode
    scope: int
    target: str
    action: str
    params: str


class StaleOptimizer(Rule):
    """A layer is replaced (or the model rebuilt) after the optimizer took the model's parameters.

    ## What it does
    Remembers optimizers built from `model.parameters()` (also inside `filter(...)`,
    parameter-group dicts, `model.fc.parameters()`), and reports a later
    `model.fc = nn.Linear(...)`, `model.classifier[6] = ...`, `model.fc.weight =
    nn.Parameter(...)`, `model = Net()` or a Hugging Face
    `model.resize_token_embeddings(len(tokenizer))` (new embedding parameters) in the
    same function when the old optimizer is used afterwards (`optimizer.step()`, or passed to a training function).
    Silent when the optimizer is built again or given the new layer with
    `add_param_group`, when the new layer has no parameters (`nn.Identity()`), and
    when the model is only wrapped or moved (`model = model.to(device)`,
    `DDP(model)`, `torch.compile(model)` keep the same parameters).

    ## Why is this bad?
    An optimizer holds references to the parameter tensors it was given, not to
    the model. A layer created afterwards has new tensors that no optimizer
    updates: its gradients are computed and thrown away, and the new head keeps
    its random weights (checklist item 23). The classic case is fine-tuning: the
    optimizer is built for the pretrained model, then its classifier is swapped
    for one with the right number of classes.

    ## Example
    ```python
    model = torchvision.models.resnet18(weights="DEFAULT")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    model.fc = nn.Linear(model.fc.in_features, 10)
    train(model, optimizer)
    ```

    ## Use instead
    ```python
    model = torchvision.models.resnet18(weights="DEFAULT")
    model.fc = nn.Linear(model.fc.in_features, 10)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    ```
    """

    code = "NN309"
    name = "stale-optimizer"
    checklist = (23,)
    message = "{target} {action} after {optimizer} was built from {params}: {optimizer} keeps the old parameters and never updates the new ones"
    help = "build the optimizer after the model is final (or add the new layer with optimizer.add_param_group)"
    requires_text = ("parameters(",)

    valid = [
        Valid("""
            import torch
            from transformers import AutoModelForCausalLM
            model = AutoModelForCausalLM.from_pretrained("gpt2")
            tokenizer.add_special_tokens({"pad_token": "<pad>"})
            model.resize_token_embeddings(len(tokenizer))
            optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
            for batch in loader:
                model(**batch).loss.backward()
                optimizer.step()
        """, why="the embeddings are resized before the optimizer is built"),
        Valid("""
            import torch
            import torch.nn as nn
            import torchvision
            model = torchvision.models.resnet18(weights="DEFAULT")
            model.fc = nn.Linear(model.fc.in_features, 10)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
            model = model.to("cuda")
            model = torch.compile(model)
            for x, y in loader:
                optimizer.step()
        """, why="the head is replaced first; moving or compiling the model keeps its parameters"),
        Valid("""
            import torch
            import torch.nn as nn
            import torchvision
            model = torchvision.models.resnet50()
            opt = torch.optim.Adam(model.parameters())
            train(model, opt)
            model.fc = nn.Linear(2048, 5)
            opt = torch.optim.Adam(model.parameters(), lr=1e-4)
            train(model, opt)
            model.fc = nn.Identity()
            opt.step()
        """, why="a new optimizer for the second phase; an Identity head has no parameters"),
        Valid("""
            import torch
            import torch.nn as nn
            import torchvision
            model = torchvision.models.vgg16()
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            model.classifier[6] = nn.Linear(4096, 10)
            opt.add_param_group({"params": model.classifier[6].parameters()})
            opt.step()
            torch.save(opt.state_dict(), "opt.pt")
        """, why="the new layer is added to the optimizer"),
        Valid("""
            import torch
            import torchvision
            if args.arch == "resnet":
                model = torchvision.models.resnet18()
                optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            else:
                model = torchvision.models.vgg11()
            train(model, optimizer)
        """, why="built in one branch, the model rebound in the other: never the same run"),
    ]
    invalid = [
        Invalid("""
            import torch
            from transformers import AutoModelForCausalLM
            model = AutoModelForCausalLM.from_pretrained("gpt2")
            optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
            tokenizer.add_special_tokens({"pad_token": "<pad>"})
            model.resize_token_embeddings(len(tokenizer))
            for batch in loader:
                model(**batch).loss.backward()
                optimizer.step()
        """, line=6),
        Invalid("""
            import torch
            import torch.nn as nn
            import torchvision
            model = torchvision.models.resnet18(weights="DEFAULT")
            optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            model.fc = nn.Linear(model.fc.in_features, 10)
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
        """, line=6),
        Invalid("""
            import torch.nn as nn
            from torch import optim
            from torchvision import models
            def finetune(loader):
                model = models.vgg16(weights="DEFAULT")
                optimizer = optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=1e-4)
                model.classifier[6] = nn.Sequential(nn.Dropout(0.2), nn.Linear(4096, 10))
                train(model, loader, optimizer)
        """, line=7),
        Invalid("""
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 2)
            model = Net()
            opt = torch.optim.Adam(model.parameters())
            for fold in range(5):
                model = Net()
                train(model, opt)
        """, line=10),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._built: dict[int, dict[str, _Built]] = {}  # scope -> optimizer name -> what it was built from
        self._pending: dict[str, list[_Replacement]] = {}  # optimizer name -> replacements reported once it is used

    def visit_Assign(self, node: cst.Assign) -> None:
        scope = id(self.context.scope())
        built = self._built.setdefault(scope, {})
        for target in (t.target for t in node.targets):
            if isinstance(target, cst.Name):
                self._drop(target.value, scope)
                chains = self._optimizer_chains(node.value)
                if chains:
                    built[target.value] = _Built(chains, self._branches())
                    for name, other in built.items():
                        if any(_overlap(a, b) for a in chains for b in other.chains):
                            self._drop(name, scope)
                    continue
                built.pop(target.value, None)
            self._replaced(node, target, built, scope)

    def visit_Call(self, node: cst.Call) -> None:
        if syntax.method_name(node) == "add_param_group" and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name):
            self._drop(node.func.value.value, id(self.context.scope()))
        if syntax.method_name(node) in EMBEDDING_RESIZE_METHODS and isinstance(node.func, cst.Attribute):
            self._resized(node, node.func.value)

    def _resized(self, node: cst.Call, model: cst.BaseExpression) -> None:
        """``model.resize_token_embeddings(n)`` builds new embedding (and tied output) parameters."""
        chain, scope = syntax.dotted_name(model), id(self.context.scope())
        built = self._built.get(scope, {})
        here = self._branches()
        for name, b in built.items():
            if chain is not None and chain in b.chains and all(here.get(i, branch) == branch for i, branch in b.branches.items()):
                self._pending.setdefault(name, []).append(
                    _Replacement(node, scope, chain, "gets new embedding parameters from resize_token_embeddings()", f"{chain}.parameters()"))

    def visit_Name(self, node: cst.Name) -> None:
        entries = self._pending.get(node.value)
        if not entries or len(self.context.ancestors) < 2:
            return
        parent = self.context.ancestors[-2]
        stepped = isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value == "step"
        if not (stepped or (isinstance(parent, cst.Arg) and parent.value is node)):
            return
        scope = id(self.context.scope())
        for entry in [entry for entry in entries if entry.scope == scope]:
            entries.remove(entry)
            self.report(entry.node, target=entry.target, action=entry.action, optimizer=node.value, params=entry.params)

    def _replaced(self, node: cst.Assign, target: cst.BaseExpression, built: dict[str, _Built], scope: int) -> None:
        indexed = isinstance(target, cst.Subscript)
        chain = syntax.dotted_name(target.value if isinstance(target, cst.Subscript) else target)
        if chain is None:
            return
        optimizers = [(name, c) for name, b in built.items() for c in b.chains if c == chain or chain.startswith(c + ".") or (not indexed and c.startswith(chain + "."))]
        if not optimizers:
            return
        here = self._branches()
        optimizers = [(name, c) for name, c in optimizers if all(here.get(i, branch) == branch for i, branch in built[name].branches.items())]
        if not optimizers:
            return  # built in one branch of an if, replaced in the other
        new = self.context.value(node.value)
        if not has_parameters(new) or not isinstance(new, Instance):
            return
        if self.context.value(target) is new or (isinstance(target, cst.Name) and target.value in syntax.names_in(node.value)):
            return  # the same object again (model.fc = model.fc.to(device)), or wrapped (model = DDP(model))
        layer = new.cls.name if new.cls is not None else short(new.qualname)
        action = f"is rebound to a new {layer}" if isinstance(target, cst.Name) else f"is replaced by a new {layer}"
        name, params = optimizers[0]
        replacement = _Replacement(node, scope, self.context.module.code_for_node(target), action, f"{params}.parameters()")
        self._pending.setdefault(name, []).append(replacement)

    def _branches(self) -> dict[int, int]:
        """For each enclosing ``if``: which of its branches the visit is in."""
        path = self.context.ancestors
        return {id(node): id(path[i + 1]) for i, node in enumerate(path[:-1]) if isinstance(node, cst.If)}

    def _drop(self, optimizer: str, scope: int) -> None:
        if optimizer in self._pending:
            self._pending[optimizer] = [entry for entry in self._pending[optimizer] if entry.scope != scope]

    def _optimizer_chains(self, value: cst.BaseExpression) -> list[str]:
        """``["model", "model.fc"]`` for ``SGD([...model.parameters()..., ...model.fc.parameters()...])``."""
        if not isinstance(value, cst.Call):
            return []
        qualname = self.context.qualify(value.func) or ""
        if not qualname.startswith(OPTIMIZER_PREFIXES) or qualname.startswith(NOT_OPTIMIZER_PREFIXES) or not qualname.rsplit(".", 1)[-1][:1].isupper():
            return []
        params = syntax.argument(value, 0, "params")
        if params is None:
            return []
        chains = [syntax.dotted_name(c.func.value) for c in syntax.calls_in(params) if syntax.method_name(c) == "parameters"]  # type: ignore[attr-defined]
        return sorted({chain for chain in chains if chain})


def _overlap(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")
