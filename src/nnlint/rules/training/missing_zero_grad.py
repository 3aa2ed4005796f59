from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.loops import EachLoop, indentation, loop_scope
from nnlint.analysis.optim import Event, Op, describe, is_optimizer, loop_events, optimizer_steps, where, zeroes
from nnlint.diagnostic import Applicability
from nnlint.rule import Invalid, PendingFix, Rule, Valid
from nnlint.rules.loop_events import because


class MissingZeroGrad(EachLoop, Rule):
    """An optimizer steps in a training loop whose gradients are never zeroed.

    ## What it does
    Finds loops that call `backward()` and `optimizer.step()` once per iteration
    (directly or in helper functions) while nothing in the loop resets that
    optimizer's gradients: no `optimizer.zero_grad()`, no `model.zero_grad()`
    on the model it optimizes, no `p.grad = None`. Each optimizer of a GAN-style
    loop is checked on its own, so `opt_d.zero_grad()` does not excuse a
    missing `opt_g.zero_grad()`. A reset placed only outside the loop (once per
    epoch, or once before training) does not count either. Gradient
    accumulation (`if (i + 1) % k == 0: step(); zero_grad()`) is correct and
    stays silent.

    ## Why is this bad?
    `backward()` *adds* to `.grad`. Without a reset, every step applies the sum
    of the gradients of all earlier iterations: the updates grow without bound
    and point towards old batches, so the loss oscillates or explodes
    (checklist items 35 and 36).

    ## Example
    ```python
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    ```

    ## Use instead
    ```python
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    ```
    The fix inserts `optimizer.zero_grad()` where it can never erase gradients a
    step has not used yet: just before the first `backward()` that feeds this
    step (after the previous optimizer's step in a multi-optimizer loop), or,
    when the step is conditional (gradient accumulation), right after the
    step. It is safe for a loop with one optimizer and one backward pass per
    step, unsafe otherwise (which backward feeds which optimizer is a guess).
    """

    code = "NN401"
    name = "missing-zero-grad"
    checklist = (35, 36)
    message = "{optimizer}.step(){where} runs in this loop but its gradients are never zeroed here: every backward() adds to the gradients of all earlier iterations"
    help = "call optimizer.zero_grad() once per step (before the backward pass, or right after step())"
    fixable = True
    requires_text = ("backward",)

    valid = [
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                opt.step()
        """, why="the canonical loop"),
        Valid("""
            import torch
            opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
            for i, (x, y) in enumerate(loader):
                loss = loss_fn(model(x), y) / accum
                loss.backward()
                if (i + 1) % accum == 0:
                    opt.step()
                    opt.zero_grad(set_to_none=True)
        """, why="gradient accumulation: the reset runs with the step"),
        Valid("""
            import torch
            import torch.nn as nn
            G, D = nn.Linear(8, 4), nn.Linear(4, 1)
            opt_g = torch.optim.Adam(G.parameters())
            opt_d = torch.optim.Adam(D.parameters())
            def reset_grad():
                opt_g.zero_grad()
                opt_d.zero_grad()
            for z, real in loader:
                d_loss = D(real).mean() - D(G(z).detach()).mean()
                d_loss.backward()
                opt_d.step()
                reset_grad()
                g_loss = -D(G(z)).mean()
                g_loss.backward()
                opt_g.step()
                reset_grad()
        """, why="a helper zeroes both optimizers of the GAN"),
        Valid("""
            import torch
            import torch.nn as nn
            net = nn.Linear(4, 2)
            opt = torch.optim.SGD(net.parameters(), lr=0.1)
            for x, y in loader:
                for p in net.parameters():
                    p.grad = None
                loss_fn(net(x), y).backward()
                opt.step()
        """, why="setting .grad to None is a reset"),
        Valid("""
            import torch
            import torch.nn as nn
            net = nn.Linear(4, 2)
            opt = torch.optim.SGD(net.parameters(), lr=0.1)
            for x, y in loader:
                net.zero_grad(set_to_none=True)
                loss_fn(net(x), y).backward()
                opt.step()
        """, why="model.zero_grad() on the optimized model"),
        Valid("""
            import torch
            opt = torch.optim.LBFGS(model.parameters())
            for x, y in loader:
                def closure():
                    opt.zero_grad()
                    loss = loss_fn(model(x), y)
                    loss.backward()
                    return loss
                opt.step(closure)
        """, why="LBFGS: the closure zeroes and back-propagates"),
        Valid("""
            def train(model, loader, optimizer):
                for x, y in loader:
                    loss_fn(model(x), y).backward()
                    optimizer.step()
        """, why="nobody calls train(): the optimizer is unknown"),
    ]
    invalid = [
        Invalid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
        """, line=6, expected_fix="""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                loss = loss_fn(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
        """),
        Invalid("""
            import torch
            opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
            for epoch in range(10):
                opt.zero_grad()
                for i, (x, y) in enumerate(loader):
                    loss = loss_fn(model(x), y) / 4
                    loss.backward()
                    if (i + 1) % 4 == 0:
                        opt.step()
        """, line=9, expected_fix="""
            import torch
            opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
            for epoch in range(10):
                opt.zero_grad()
                for i, (x, y) in enumerate(loader):
                    loss = loss_fn(model(x), y) / 4
                    loss.backward()
                    if (i + 1) % 4 == 0:
                        opt.step()
                        opt.zero_grad()
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            G = nn.Linear(8, 4)
            D = nn.Linear(4, 1)
            opt_g = torch.optim.Adam(G.parameters())
            opt_d = torch.optim.Adam(D.parameters())
            for z, real in loader:
                opt_d.zero_grad()
                d_loss = D(real).mean() - D(G(z).detach()).mean()
                d_loss.backward()
                opt_d.step()
                g_loss = -D(G(z)).mean()
                g_loss.backward()
                opt_g.step()
        """, line=14, expected_fix="""
            import torch
            import torch.nn as nn
            G = nn.Linear(8, 4)
            D = nn.Linear(4, 1)
            opt_g = torch.optim.Adam(G.parameters())
            opt_d = torch.optim.Adam(D.parameters())
            for z, real in loader:
                opt_d.zero_grad()
                d_loss = D(real).mean() - D(G(z).detach()).mean()
                d_loss.backward()
                opt_d.step()
                g_loss = -D(G(z)).mean()
                opt_g.zero_grad()
                g_loss.backward()
                opt_g.step()
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            net = nn.Linear(4, 2)
            optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
            def train_step(x, y):
                loss = nn.functional.cross_entropy(net(x), y)
                loss.backward()
                optimizer.step()
            for epoch in range(5):
                for x, y in loader:
                    optimizer.zero_grad
                    train_step(x, y)
        """, line=8),  # the step() in the helper, where the zero_grad() goes; the call in the loop is related
    ]

    def _check(self, loop: cst.For | cst.While) -> None:
        info = self.context.info
        events = loop_events(loop, info, loop_scope(self.context.ancestors, info.module))
        if not any(event.op is Op.BACKWARD for event in events):
            return
        for index, step in optimizer_steps(events):
            optimizer = step.target
            assert optimizer is not None
            if any(zeroes(event, optimizer, info) is not False for event in events if event.op in (Op.ZERO, Op.OPAQUE)):
                continue
            self.report(step.at, fix=self._fix(events, index, step), optimizer=describe(step, info), where=where(step), because=because(step))

    def _fix(self, events: list[Event], index: int, step: Event) -> PendingFix | None:
        name = syntax.dotted_name(step.receiver) if step.receiver is not None and step.direct else None
        if name is None:
            return None
        reset = f"{name}.zero_grad()"
        optimizers = {event.target for event in events if event.op is Op.STEP and is_optimizer(event.target)}
        if not step.path:
            start = max((i + 1 for i in range(index) if events[i].op is Op.STEP and events[i].depth == 0), default=0)
            backwards = [event for event in events[start:index] if event.op is Op.BACKWARD]
            if not backwards or backwards[0].path or backwards[0].depth:
                return None
            one = len(optimizers) == 1 and len(backwards) == 1
            return PendingFix(f"insert {reset}", backwards[0].statement, insert_before=reset,
                              applicability=Applicability.SAFE if one else Applicability.UNSAFE)
        statement = step.statement
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None
        module = self.context.module
        small = statement.body[0]
        new = module.code_for_node(small) + module.default_newline + indentation(self.context.ancestors, module) + step.indent + reset
        return PendingFix(f"insert {reset} after the step", small, new, applicability=Applicability.UNSAFE)
