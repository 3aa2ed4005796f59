from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.accumulation import modulus
from nnlint.analysis.loops import EachLoop, loop_scope
from nnlint.analysis.optim import Op, is_optimizer, loop_events
from nnlint.analysis.torch_api import LOSS_FUNCTIONS
from nnlint.analysis.values import Instance
from nnlint.rule import Invalid, Rule, Valid



class UnscaledGradAccumulation(EachLoop, Rule):
    """Gradients are accumulated over k micro-batches from a loss that is not divided by k.

    ## What it does
    Finds loops that back-propagate every batch but step the optimizer only
    under a modulo test (`if (i + 1) % accum == 0:`), where the loss given to
    `backward()` is straight from a torch loss (`criterion(out, y)`,
    `F.cross_entropy(...)`, sums of them) with no division anywhere — not in the
    assignment, not in `backward()`'s argument, not in a later `loss /= accum`.
    A loss computed by code nnlint cannot see (a model that returns its own
    loss, a helper) is left alone, as are loops that rescale `.grad` by hand.

    ## Why is this bad?
    `backward()` adds gradients up. Summed over k micro-batches, each step is k
    times larger than the gradient of one (mean-reduced) batch: the effective
    learning rate silently grows with the accumulation factor, so a learning
    rate tuned without accumulation diverges with it (checklist item 36).

    ## Example
    ```python
    for i, (x, y) in enumerate(loader):
        loss = criterion(model(x), y)
        loss.backward()
        if (i + 1) % accum_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
    ```

    ## Use instead
    ```python
        loss = criterion(model(x), y) / accum_steps
    ```
    """

    code = "NN417"
    name = "unscaled-grad-accumulation"
    checklist = (36,)
    message = "{loss} is back-propagated every batch and {k} batches of gradients are summed before each step, but it is not divided by {k}: each update is {k} times one batch's"
    help = "divide the loss by the number of accumulated batches before backward()"
    requires_text = ("backward",)

    valid = [
        Valid("""
            import torch.nn as nn
            criterion = nn.CrossEntropyLoss()
            for i, (x, y) in enumerate(loader):
                loss = criterion(model(x), y) / accum
                loss.backward()
                if (i + 1) % accum == 0:
                    opt.step()
                    opt.zero_grad()
        """, why="the loss is divided (the optimizer may even be unknown)"),
        Valid("""
            import torch
            import torch.nn.functional as F
            opt = torch.optim.AdamW(model.parameters())
            scaler = torch.cuda.amp.GradScaler()
            for i, (x, y) in enumerate(loader):
                loss = F.cross_entropy(model(x), y)
                scaler.scale(loss / 8).backward()
                if (i + 1) % 8 == 0:
                    scaler.step(opt)
                    scaler.update()
                    opt.zero_grad()
        """, why="divided inside backward's argument"),
        Valid("""
            import torch
            import torch.nn.functional as F
            opt = torch.optim.AdamW(model.parameters())
            for step, (x, y) in enumerate(loader):
                loss = F.mse_loss(model(x), y)
                loss /= args.accum
                loss.backward()
                if step % args.accum == 0:
                    opt.step()
                    opt.zero_grad()
        """, why="divided in place"),
        Valid("""
            import torch
            opt = torch.optim.AdamW(model.parameters())
            for i, batch in enumerate(loader):
                loss = model(**batch).loss
                loss.backward()
                if (i + 1) % 4 == 0:
                    opt.step()
                    opt.zero_grad()
        """, why="the model computes its own loss: not known to be undivided"),
        Valid("""
            import torch
            import torch.nn as nn
            criterion = nn.CrossEntropyLoss()
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for i, (x, y) in enumerate(loader):
                criterion(model(x), y).backward()
                if i % 100 == 0:
                    print(i)
                opt.step()
                opt.zero_grad()
        """, why="the modulo test guards logging, the step runs every batch"),
    ]
    invalid = [
        Invalid("""
            import torch
            import torch.nn as nn
            criterion = nn.CrossEntropyLoss()
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for i, (x, y) in enumerate(loader):
                loss = criterion(model(x), y)
                loss.backward()
                if (i + 1) % accum_steps == 0:
                    opt.step()
                    opt.zero_grad()
        """, line=7),
        Invalid("""
            import torch
            import torch.nn.functional as F
            opt = torch.optim.AdamW(model.parameters())
            scaler = torch.cuda.amp.GradScaler()
            for i, (x, y) in enumerate(loader):
                with torch.autocast("cuda"):
                    out = model(x)
                    loss = F.cross_entropy(out, y) + 0.1 * F.mse_loss(out, y)
                scaler.scale(loss).backward()
                if (i + 1) % 4 == 0:
                    scaler.step(opt)
                    scaler.update()
                    opt.zero_grad()
        """, line=9),
        Invalid("""
            import torch
            import torch.nn as nn
            opt = torch.optim.Adam(model.parameters())
            mse = nn.MSELoss()
            step = 0
            for x, y in loader:
                mse(model(x), y).backward()
                step += 1
                if step % 16 == 0:
                    opt.step()
                    opt.zero_grad()
        """, line=7),
    ]

    def _check(self, loop: cst.For | cst.While) -> None:
        info = self.context.info
        scope = loop_scope(self.context.ancestors, info.module)
        events = loop_events(loop, info, scope)
        step = next((e for e in events if e.op is Op.STEP and e.depth == 0 and is_optimizer(e.target) and not e.has_args), None)
        k = modulus(step) if step is not None else None
        backwards = [e for e in events if e.op is Op.BACKWARD]
        if k is None or len(backwards) != 1 or any(e.op is Op.GRAD for e in events):
            return
        backward = backwards[0]
        if backward.path or backward.depth or not backward.direct or backward.loss is None:
            return
        loss = backward.loss
        if backward.scaler is not None and isinstance(loss, cst.Call) and loss.args:
            loss = loss.args[0].value
        value = self._binding(loop, loss, backward.statement) if isinstance(loss, cst.Name) else (loss, backward.statement)
        if value is not None and self._undivided_loss(value[0], value[1], scope):
            code = self.context.module.code_for_node
            self.report(backward.node, loss=code(loss), k=code(k))

    def _binding(self, loop: cst.For | cst.While, name: cst.Name, until: cst.BaseStatement) -> tuple[cst.BaseExpression, cst.BaseStatement] | None:
        """The value last assigned to ``name`` in the loop before ``until`` (None: rebound in place, or not assigned there)."""
        found = None
        for statement in syntax.walk_statements(syntax.body_statements(loop)):
            if statement is until:
                return found
            for small in syntax.small_statements(statement):
                if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name) and small.target.value == name.value:
                    found = None
                elif isinstance(small, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name.value for t in small.targets):
                    found = (small.value, statement) if len(small.targets) == 1 else None
        return None

    def _undivided_loss(self, expression: cst.BaseExpression, statement: cst.BaseStatement, scope: cst.Module | cst.FunctionDef) -> bool:
        """A torch loss (or a sum of them, or one times a constant) with no division."""
        if isinstance(expression, cst.BinaryOperation):
            if isinstance(expression.operator, (cst.Add, cst.Subtract)):
                return self._undivided_loss(expression.left, statement, scope) and self._undivided_loss(expression.right, statement, scope)
            if isinstance(expression.operator, cst.Multiply):
                parts = (expression.left, expression.right)
                constant = [p for p in parts if isinstance(p, (cst.Integer, cst.Float))]
                return len(constant) == 1 and all(self._undivided_loss(p, statement, scope) for p in parts if p is not constant[0])
            return False
        if not isinstance(expression, cst.Call):
            return False
        if syntax.method_name(expression) in ("mean", "sum") and isinstance(expression.func, cst.Attribute):
            return self._undivided_loss(expression.func.value, statement, scope)
        if self.context.qualify(expression.func) in LOSS_FUNCTIONS:
            return True
        interpreter = self.context.interpreter
        callee = interpreter.value(expression.func, interpreter.env_before(statement, scope))
        return isinstance(callee, Instance) and callee.qualname.startswith("torch.nn.") and callee.qualname.endswith("Loss")
