from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.optim import Op, loop_events
from nnlint.rule import Invalid, Rule, Valid

#: tensor methods whose result still carries the autograd graph
_KEEPS_GRAPH = frozenset(("cpu", "cuda", "to", "float", "double", "half", "mean", "sum", "view", "reshape", "squeeze", "unsqueeze", "clone"))


class LossAccumulatedWithGraph(Rule):
    """A loss that was back-propagated is accumulated as a tensor, keeping every step's graph alive.

    ## What it does
    Inside a training loop that calls `loss.backward()`, reports `total += loss`,
    `total = total + loss * n` and `losses.append(loss)` where `loss` is that
    same back-propagated tensor (not `loss.item()`, `loss.detach()` or
    `float(loss)`), outside `torch.no_grad()`.

    ## Why is this bad?
    The loss is a tensor that remembers how it was computed. Adding it to a
    running total (or keeping it in a list) chains every iteration's graph to
    the total, so the history of the whole epoch stays in memory: memory use
    grows every step until the run dies, and the logged metric — what you watch
    to judge training (checklist item 21) — drags the graph along with it.

    ## Example
    ```python
    running_loss = 0.0
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        running_loss += loss
    ```

    ## Use instead
    ```python
        running_loss += loss.item()
    ```
    """

    code = "NN410"
    name = "loss-accumulated-with-graph"
    checklist = (21,)
    message = "{target} accumulates {loss}, which still holds its autograd graph: every step's history stays in memory"
    help = "accumulate loss.item() (or loss.detach()) instead of the loss tensor"
    requires_text = ("backward",)

    valid = [
        Valid("""
            running = 0.0
            for x, y in loader:
                loss = loss_fn(model(x), y)
                loss.backward()
                running += loss.item()
        """, why=".item() gives a Python number"),
        Valid("""
            import torch
            losses = []
            for x, y in loader:
                loss = loss_fn(model(x), y)
                loss.backward()
                losses.append(loss.detach())
                with torch.no_grad():
                    total = total + loss
        """, why="detached, or added under no_grad"),
        Valid("""
            running = 0.0
            for x, y in loader:
                loss = loss_fn(model(x), y)
                loss.backward()
                loss = loss.item()
                running += loss
        """, why="the name was rebound to a number first"),
        Valid("""
            total = 0
            for x, y in chunks:
                total = total + loss_fn(model(x), y)
            total.backward()
        """, why="summing losses to back-propagate once is the point"),
        Valid("""
            for x, y in loader:
                terms = []
                loss = loss_fn(model(x), y)
                loss.backward()
                terms.append(loss)
                print(sum(t.item() for t in terms))
        """, why="the list is new in every iteration: nothing piles up"),
    ]
    invalid = [
        Invalid("""
            running_loss = 0.0
            for x, y in loader:
                optimizer.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                optimizer.step()
                running_loss += loss
        """, line=7),
        Invalid("""
            history = []
            for epoch in range(10):
                for x, y in loader:
                    loss = loss_fn(model(x), y)
                    history.append(loss)
                    loss.backward()
        """, line=5),
        Invalid("""
            epoch_loss = 0
            for x, y in loader:
                loss = loss_fn(model(x), y)
                scaler.scale(loss).backward()
                epoch_loss = epoch_loss + loss * x.size(0)
        """, line=5),
    ]

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, (cst.AddAssign, cst.SubtractAssign)):
            self._check(node.value, node.target)

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        if len(node.targets) == 1 and isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
            target = node.targets[0].target
            code = self.context.module.code_for_node
            if code(value.left) == code(target):
                self._check(value.right, target)

    def visit_Call(self, node: cst.Call) -> None:
        if syntax.method_name(node) == "append" and len(node.args) == 1 and isinstance(node.func, cst.Attribute):
            self._check(node.args[0].value, node.func.value)

    def _check(self, added: cst.BaseExpression, target: cst.BaseExpression) -> None:
        name = _graph_name(added)
        statement = self.context.enclosing(cst.SimpleStatementLine)
        if name is None or not isinstance(statement, cst.SimpleStatementLine) or self.context.under_no_grad():
            return
        for loop in reversed(self.context.ancestors):
            if isinstance(loop, cst.FunctionDef):
                return
            if isinstance(loop, (cst.For, cst.While)) and _fresh_each_iteration(loop, target):
                return
            if isinstance(loop, (cst.For, cst.While)) and self._backpropagated(loop, name, statement):
                code = self.context.module.code_for_node
                self.report(statement, target=code(target), loss=name)
                return

    def _backpropagated(self, loop: cst.For | cst.While, name: str, statement: cst.SimpleStatementLine) -> bool:
        """``name`` holds, at ``statement``, the very tensor that ``loop`` calls backward() on."""
        statements = list(syntax.walk_statements(syntax.body_statements(loop)))
        order = {id(s): i for i, s in enumerate(statements)}
        bindings = [i for i, s in enumerate(statements) if _binds(s, name)]
        here = order.get(id(statement))
        before = [i for i in bindings if here is not None and i < here]
        if not before or _scalar_binding(statements[before[-1]], name):
            return False
        events = loop_events(loop, self.context.info, self.context.scope())
        backwards = [order[id(e.statement)] for e in events
                     if e.op is Op.BACKWARD and e.direct and e.loss is not None and id(e.statement) in order and name in _loss_names(e.loss)]
        return any(max((i for i in bindings if i <= index), default=None) == before[-1] for index in backwards)


def _fresh_each_iteration(loop: cst.For | cst.While, target: cst.BaseExpression) -> bool:
    """``losses = []`` at the top level of the loop body: the accumulator is dropped every iteration."""
    if not isinstance(target, cst.Name):
        return False
    return any(isinstance(small, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == target.value for t in small.targets)
               and target.value not in syntax.names_in(small.value)
               for statement in syntax.body_statements(loop) for small in syntax.small_statements(statement))


def _graph_name(expression: cst.BaseExpression) -> str | None:
    """The name whose tensor ``expression`` passes on with its graph: ``loss``, ``loss * n``, ``loss.mean()``."""
    if isinstance(expression, cst.Name):
        return expression.value
    if isinstance(expression, cst.BinaryOperation):
        return _graph_name(expression.left) or _graph_name(expression.right)
    if isinstance(expression, cst.Call) and syntax.method_name(expression) in _KEEPS_GRAPH and isinstance(expression.func, cst.Attribute):
        return _graph_name(expression.func.value)
    return None


def _loss_names(expression: cst.BaseExpression) -> set[str]:
    """Names that ``backward()`` runs through: ``loss``, ``loss / k``, ``scaler.scale(loss)``."""
    if isinstance(expression, cst.Call) and syntax.method_name(expression) == "scale" and expression.args:
        return _loss_names(expression.args[0].value)
    name = _graph_name(expression)
    return {name} if name else set()


def _binds(statement: cst.BaseStatement, name: str) -> bool:
    for small in syntax.small_statements(statement):
        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target] if isinstance(small, (cst.AnnAssign, cst.AugAssign)) else []
        if any(name in syntax.names_in(target) for target in targets if not isinstance(target, (cst.Attribute, cst.Subscript))):
            return True
    return isinstance(statement, cst.For) and name in syntax.names_in(statement.target)


def _scalar_binding(statement: cst.BaseStatement, name: str) -> bool:
    """Whether this binding makes ``name`` something without a graph (``x.item()``, ``float(x)``, a loop variable)."""
    for small in syntax.small_statements(statement):
        if isinstance(small, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
            value = small.value
            if isinstance(value, cst.Call):
                method = syntax.method_name(value)
                return method in ("item", "detach", "tolist", "numpy", "detach_") or syntax.dotted_name(value.func) in ("float", "int")
            return not isinstance(value, (cst.BinaryOperation, cst.Name, cst.Subscript, cst.Attribute))
        if isinstance(small, cst.AugAssign):
            return False
    return True
