from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.bindings import Where, here, reaching_value
from nnlint.analysis.pipelines import number, value_at
from nnlint.analysis.torch_api import LOSS_FUNCTIONS, NON_DIFFERENTIABLE_FUNCTIONS
from nnlint.analysis.values import Instance, Tensor
from nnlint.rule import Invalid, Rule, Valid

_METHODS = frozenset(("argmax", "argmin", "round", "floor", "ceil", "sign", "item", "tolist", "numpy", "long", "int", "bool"))
#: operations a gradient flows through unchanged in kind: follow the operand
_THROUGH = frozenset(("float", "double", "half", "mean", "sum", "to", "cuda", "view", "reshape", "squeeze", "unsqueeze", "flatten", "abs"))


class NonDifferentiableLossTerm(Rule):
    """A loss (or a term of it) reaches the model output only through an operation with no gradient.

    ## What it does
    Reports the operation when the prediction given to a loss (`nn.*Loss`,
    `F.*_loss`), or a term added to the tensor `backward()` is called on, depends on the
    model's output only through `argmax`/`argmin`, `round`/`floor`/`ceil`/`sign`, a
    comparison (`out > 0.5`), an integer cast (`.long()`), `.item()`/`.tolist()`/
    `.numpy()` or `torch.tensor(...)`. Values are followed through names assigned once
    in the same function and through `.float()`, `.mean()` and arithmetic with
    constants; a term that also reaches the output through differentiable operations
    (a straight-through estimator, `x + (x.round() - x).detach()`) is fine.

    ## Why is this bad?
    These operations have no gradient (or a zero one): the term changes the loss *value*
    you log but pushes the weights nowhere (checklist items 18 and 23). An accuracy or
    F1 "loss" looks like it is being optimised while the network learns only from the
    other terms — or, if it is the whole loss, from nothing.

    ## Example
    ```python
    out = model(x)
    loss = F.cross_entropy(out, y) + 0.5 * (out.argmax(1) != y).float().mean()
    ```

    ## Use instead
    A differentiable surrogate: the probabilities (`out.softmax(1)`), a soft-F1 or
    dice loss on probabilities, a straight-through estimator — and metrics computed
    separately, for logging only.
    """

    code = "NN315"
    name = "non-differentiable-loss-term"
    checklist = (18, 23)
    message = "{where} reaches the model output only through {operation}, which has no gradient: it changes the loss value but not the weights"
    help = "use a differentiable surrogate (probabilities, soft metrics); compute argmax/accuracy only for logging"
    requires_text = ("loss",)

    valid = [
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(10, 3))
            criterion = nn.CrossEntropyLoss()
            out = model(x)
            loss = criterion(out, y.long())
            accuracy = (out.argmax(1) == y).float().mean()
            loss.backward()
        """, why="the metric is computed beside the loss; the cast is on the target"),
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            encoder = nn.Sequential(nn.Linear(10, 4))
            z = encoder(x)
            z_q = z + (z.round() - z).detach()
            loss = F.mse_loss(z_q, target) + 0.01 * z.pow(2).mean()
            loss.backward()
        """, why="a straight-through estimator keeps a gradient path"),
        Valid("""
            import torch.nn.functional as F
            out = model(x)
            loss = F.cross_entropy(out, y)
            loss.backward()
            running += loss.item()
            preds = out.argmax(1).tolist()
        """, why="the model is unknown; item()/argmax are for logging"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            model = nn.Sequential(nn.Linear(10, 5))
            loss = F.mse_loss(model(x).argmax(1).float(), y.float())
        """, line=4),
        Invalid("""
            import torch
            import torch.nn as nn
            net = nn.Sequential(nn.Linear(20, 1))
            criterion = nn.BCELoss()
            out = net(x)
            pred = (torch.sigmoid(out) > 0.5).float()
            loss = criterion(pred, y)
        """, line=6),
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            model = nn.Sequential(nn.Linear(10, 3))
            for x, y in loader:
                out = model(x)
                error_rate = (out.argmax(1) != y).float().mean()
                loss = F.cross_entropy(out, y) + 0.5 * error_rate
                loss.backward()
        """, line=6),
        Invalid("""
            import numpy as np
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 2))
            out = model(x)
            penalty = torch.tensor(np.abs(out.detach().numpy()).sum())
            loss = nn.CrossEntropyLoss()(out, y) + penalty
            loss.backward()
        """, line=6),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        where = here(self.context)
        if where is None:
            return
        if syntax.method_name(node) == "backward" and isinstance(node.func, cst.Attribute):
            for term, term_where in self._terms(node.func.value, where, 4):
                self._check(term, term_where, "this loss term")
        elif self._is_loss(node, where) and node.args and node.args[0].keyword is None:
            self._check(node.args[0].value, where, "the prediction given to this loss")

    def _check(self, node: cst.BaseExpression, where: Where, what: str) -> None:
        found = self._cut(node, where, 4)
        if found is not None and all(report.node is not found[1] for report in self.reports):
            self.report(found[1], where=what, operation=found[0])

    def _terms(self, node: cst.BaseExpression, where: Where, depth: int) -> list[tuple[cst.BaseExpression, Where]]:
        """The summands of a loss, through names and constant factors."""
        if depth == 0:
            return [(node, where)]
        if isinstance(node, cst.Name):
            found = reaching_value(self.context.info, node.value, where)
            return self._terms(found[0], found[1], depth - 1) if found is not None else []
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Subtract)):
            return self._terms(node.left, where, depth - 1) + self._terms(node.right, where, depth - 1)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Multiply, cst.Divide)):
            if number(self.context, node.left, where) is not None:
                return self._terms(node.right, where, depth - 1)
            if number(self.context, node.right, where) is not None:
                return self._terms(node.left, where, depth - 1)
        return [(node, where)]

    def _cut(self, node: cst.BaseExpression, where: Where, depth: int) -> tuple[str, cst.CSTNode] | None:
        """(the operation, its node) when ``node`` depends on the model output only through an operation without gradient."""
        if depth == 0:
            return None
        if isinstance(node, cst.Name):
            if self._model_output(node, where):
                return None
            definition = reaching_value(self.context.info, node.value, where)
            return self._cut(definition[0], definition[1], depth - 1) if definition is not None else None
        if isinstance(node, cst.Comparison):
            operands = [node.left, *(target.comparator for target in node.comparisons)]
            return ("a comparison", node) if any(self._mentions_output(o, where) for o in operands) else None
        if isinstance(node, cst.BinaryOperation):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                found = self._cut(side, where, depth - 1)
                if found is not None and not self._mentions_output(other, where):
                    return found
            return None
        if not isinstance(node, cst.Call):
            return None
        qualname = self.context.qualify(node.func)
        method = syntax.method_name(node) if qualname is None else None
        operand = node.func.value if method else syntax.argument(node, 0, "input")  # type: ignore[attr-defined]
        if operand is None:
            return None
        if (qualname in NON_DIFFERENTIABLE_FUNCTIONS or method in _METHODS) and self._mentions_output(operand, where):
            return (f"{qualname or '.' + str(method)}(...)" if qualname else f".{method}()", node)
        if method in _THROUGH or self._is_loss(node, where):
            return self._cut(operand, where, depth - 1)
        return None

    def _model_output(self, node: cst.BaseExpression, where: Where) -> bool:
        return isinstance(value_at(self.context, node, where), Tensor)

    def _mentions_output(self, node: cst.CSTNode, where: Where, depth: int = 3) -> bool:
        """Some name or call inside ``node`` is (or, through one assignment, comes from) a known model output."""
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, (cst.Name, cst.Call)) and self._model_output(current, where):
                return True
            if isinstance(current, cst.Name) and depth > 0:
                found = reaching_value(self.context.info, current.value, where)
                if found is not None and self._mentions_output(found[0], found[1], depth - 1):
                    return True
            if not isinstance(current, cst.Lambda):
                stack.extend(syntax.children(current))
        return False

    def _is_loss(self, call: cst.Call, where: Where) -> bool:
        if self.context.qualify(call.func) in LOSS_FUNCTIONS:
            return True
        callee = value_at(self.context, call.func, where)
        return isinstance(callee, Instance) and callee.qualname.startswith("torch.nn.") and callee.qualname.endswith("Loss")
