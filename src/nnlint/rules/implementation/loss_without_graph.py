from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.bindings import ScopeIndex, Where, here, scope_index
from nnlint.analysis.pipelines import number, value_at
from nnlint.analysis.torch_api import ENABLE_GRAD, GRAPHLESS_TENSOR_MAKERS, LOSS_FUNCTIONS, NO_GRAD
from nnlint.analysis.values import Instance
from nnlint.diagnostic import Severity
from nnlint.rule import Invalid, Rule, Valid

#: tensor methods whose result has a graph exactly when their receiver has one
_KEEPS_GRAPH = frozenset(("mean", "sum", "float", "double", "half", "to", "cuda", "cpu", "view", "reshape", "squeeze", "unsqueeze", "clone",
                          "contiguous", "requires_grad_", "abs", "neg"))


class LossWithoutGraph(Rule):
    """`backward()` is called on a loss that has no autograd graph back to the model.

    ## What it does
    Follows the tensor `backward()` is called on back through its assignments in the
    same function and reports when it was computed under `torch.no_grad()` /
    `torch.inference_mode()` (a `with` block or a decorator, unless `enable_grad()`
    switches it back on), or cut from the graph: `.detach()`, `.data`,
    `torch.tensor(loss.item())` / `torch.tensor(..., requires_grad=True)`, or a loss
    function applied to detached predictions and the loader's targets.

    ## Why is this bad?
    Without a graph there is nothing to differentiate (checklist item 23). At best
    PyTorch raises "element 0 of tensors does not require grad"; the usual "fix" —
    `torch.tensor(value, requires_grad=True)` or `loss.requires_grad = True` — makes
    the error go away and leaves the model with no gradients at all: the loss is logged,
    `optimizer.step()` runs, and the weights never change.

    ## Example
    ```python
    with torch.no_grad():
        loss = criterion(model(x), y)
    loss.backward()
    ```

    ## Use instead
    ```python
    loss = criterion(model(x), y)
    loss.backward()
    logged = loss.item()  # detach only the copy you log
    ```
    """

    code = "NN310"
    name = "loss-without-graph"
    checklist = (23,)
    message = "`{loss}` has no graph back to the model: it {reason}, so backward() gives the parameters no gradients"
    help = "compute the loss from the model output with autograd on; detach or .item() only copies used for logging"
    severity = Severity.ERROR
    requires_text = ("backward",)

    valid = [
        Valid("""
            import torch
            for x, y in loader:
                loss = criterion(model(x), y)
                running = loss.detach()
                loss.backward()
                total += loss.item()
        """, why="only the logged copy is detached"),
        Valid("""
            import torch
            import torch.nn.functional as F
            with torch.no_grad():
                soft_targets = teacher(x).softmax(-1)
            loss = F.kl_div(student(x).log_softmax(-1), soft_targets, reduction="batchmean")
            loss.backward()
        """, why="distillation: only the teacher runs under no_grad"),
        Valid("""
            import torch
            @torch.no_grad()
            def attack(model, x, y):
                with torch.enable_grad():
                    x = x.clone().requires_grad_(True)
                    loss = loss_fn(model(x), y)
                    loss.backward()
                return x.grad.sign()
        """, why="enable_grad() switches autograd back on inside the no_grad function"),
        Valid("""
            import torch
            loss = torch.tensor(0.0, device=device)
            for term in terms:
                loss = loss + term(model(x))
            loss.backward()
        """, why="a zero tensor that model terms are added to has a graph"),
    ]
    invalid = [
        Invalid("""
            import torch
            for x, y in train_loader:
                optimizer.zero_grad()
                with torch.no_grad():
                    outputs = model(x)
                    loss = criterion(outputs, y)
                loss.backward()
                optimizer.step()
        """, line=7),
        Invalid("""
            import torch
            def train_step(model, x, y, optimizer):
                loss = compute_loss(model(x), y)
                loss = torch.tensor(loss.item(), requires_grad=True)
                loss.backward()
                optimizer.step()
        """, line=5),
        Invalid("""
            import torch.nn.functional as F
            for x, y in loader:
                out = model(x).detach()
                loss = F.mse_loss(out, y)
                loss.backward()
        """, line=5),
        Invalid("""
            import torch
            @torch.inference_mode()
            def fine_tune(model, batch, scaler):
                loss = model(**batch).loss
                scaler.scale(loss).backward()
        """, line=5),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if syntax.method_name(node) == "backward":
            tensor = node.func.value  # type: ignore[attr-defined]
        elif self.context.qualify(node.func) == "torch.autograd.backward" and node.args:
            tensor = node.args[0].value
        else:
            return
        if isinstance(tensor, cst.Call) and syntax.method_name(tensor) == "scale" and len(tensor.args) == 1:
            tensor = tensor.args[0].value  # scaler.scale(loss).backward()
        reason = self._cut(tensor, here(self.context), 4)
        if reason is not None:
            self.report(node, loss=self.context.module.code_for_node(tensor), reason=reason)

    def _cut(self, node: cst.BaseExpression, where: Where | None, depth: int) -> str | None:
        """Why ``node`` (evaluated at ``where``) has no graph; None when it may have one."""
        if where is None or depth == 0:
            return None
        if isinstance(node, cst.Name):
            return self._cut_name(node.value, where, depth)
        if isinstance(node, cst.Attribute):
            return "is read through `.data`" if node.attr.value == "data" else None
        if isinstance(node, cst.BinaryOperation):
            left, right = self._cut(node.left, where, depth - 1), self._cut(node.right, where, depth - 1)
            if left and (right or number(self.context, node.right) is not None):
                return left
            return right if right and number(self.context, node.left) is not None else None
        if not isinstance(node, cst.Call):
            return None
        method = syntax.method_name(node)
        if method in ("detach", "detach_"):
            return "is detached (`.detach()`)"
        qualname = self.context.qualify(node.func)
        if qualname in GRAPHLESS_TENSOR_MAKERS:
            inner = syntax.argument(node, 0, "data")
            if qualname == "torch.autograd.Variable":
                return self._cut(inner, where, depth - 1) if inner is not None else None
            return f"is a new tensor made by {qualname}(...), which copies values and not the graph"
        if method in _KEEPS_GRAPH and all(number(self.context, arg.value) is not None or arg.keyword for arg in node.args):
            return self._cut(node.func.value, where, depth - 1)  # type: ignore[attr-defined]
        if self._is_loss(node, where) and node.args:
            parts = [self._cut(arg.value, where, depth - 1) if i == 0 else self._data(arg.value, where) for i, arg in enumerate(node.args[:2])]
            first = node.args[0].value
            if not all(parts):
                return None
            return f"is computed from `{first.value}`, which {parts[0]}" if isinstance(first, cst.Name) else parts[0]
        return None

    def _cut_name(self, name: str, where: Where, depth: int) -> str | None:
        scope, statement = where
        index = scope_index(self.context.info, scope)
        found = index.reaching(name, statement)
        if found is None or found.value is None or self._changed(index, name, found.index, index.position[id(statement)]):
            return None
        if self._grad_disabled(index.chains.get(id(found.statement), ()), scope):
            return "was computed with autograd off (torch.no_grad / inference_mode)"
        return self._cut(found.value, (scope, found.statement), depth - 1)

    def _changed(self, index: ScopeIndex, name: str, start: int, end: int) -> bool:
        """Changed in place between the assignment and the use (setting ``requires_grad`` does not count)."""
        for at in index.mutations.get(name, []):
            if start < at < end and "requires_grad" not in self.context.module.code_for_node(index.statements[at]):
                return True
        return False

    def _grad_disabled(self, chain: tuple[cst.BaseStatement, ...], scope: cst.CSTNode) -> bool:
        disabled = isinstance(scope, cst.FunctionDef) and any(self._qualify_call(d.decorator) in NO_GRAD for d in scope.decorators)
        for compound in chain:
            if isinstance(compound, cst.With):
                names = {self._qualify_call(item.item) for item in compound.items}
                if names & ENABLE_GRAD:
                    disabled = False
                elif names & NO_GRAD:
                    disabled = True
        return disabled

    def _qualify_call(self, node: cst.BaseExpression) -> str | None:
        return self.context.qualify(node.func if isinstance(node, cst.Call) else node)

    def _is_loss(self, call: cst.Call, where: Where) -> bool:
        if self.context.qualify(call.func) in LOSS_FUNCTIONS:
            return True
        callee = value_at(self.context, call.func, where)
        return isinstance(callee, Instance) and callee.qualname.startswith("torch.nn.") and callee.qualname.endswith("Loss")

    def _data(self, node: cst.BaseExpression, where: Where) -> str | None:
        """Targets that cannot carry a graph: the loader's batch (a ``for`` target), literals, or cut tensors."""
        if isinstance(node, cst.Name):
            found = scope_index(self.context.info, where[0]).reaching(node.value, where[1])
            if found is not None and isinstance(found.statement, cst.For) and found.value is None:
                return "a batch"
        return self._cut(node, where, 2)
