from __future__ import annotations

import libcst as cst

from nnlint.analysis.loops import EachLoop, loop_scope
from nnlint.analysis.optim import describe, loop_events, optimizer_steps, step_on_zeroed_gradients, where
from nnlint.diagnostic import Severity
from nnlint.rule import Invalid, Rule, Valid


class StepBeforeBackward(EachLoop, Rule):
    """The optimizer steps before backward() in each iteration, right after its gradients were zeroed.

    ## What it does
    Reports an `optimizer.step()` that runs, in every iteration of a training
    loop, after that optimizer's `zero_grad()` and before any `backward()` —
    directly or inside helper functions. Each optimizer of a multi-optimizer
    loop is followed separately.

    ## Why is this bad?
    The step applies the freshly zeroed gradients (nothing, or only momentum),
    and the gradients `backward()` computes afterwards are erased by the next
    iteration's `zero_grad()` before any step sees them. The parameters never
    learn from the data (checklist item 23).

    ## Example
    ```python
    for x, y in loader:
        optimizer.zero_grad()
        optimizer.step()
        loss = criterion(model(x), y)
        loss.backward()
    ```

    ## Use instead
    ```python
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    ```
    """

    code = "NN405"
    name = "step-before-backward"
    checklist = (23,)
    message = "{optimizer}.step(){where} runs before backward() in this iteration, right after its gradients were zeroed: it applies zero gradients, and the ones backward() computes are erased before any step uses them"
    help = "call optimizer.step() after loss.backward()"
    severity = Severity.ERROR
    requires_text = ("zero_grad",)

    valid = [
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                opt.step()
        """, why="the canonical order"),
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                opt.step()
                opt.zero_grad()
                loss_fn(model(x), y).backward()
        """, why="the step uses the previous iteration's backward, then the reset comes"),
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for i, (x, y) in enumerate(loader):
                if i % 4 == 0:
                    opt.zero_grad()
                if i > 0 and i % 4 == 0:
                    opt.step()
                loss_fn(model(x), y).backward()
        """, why="the reset and the step are both conditional: the order is not known"),
        Valid("""
            import torch
            import torch.nn as nn
            G = nn.Linear(8, 4)
            D = nn.Linear(4, 1)
            opt_g = torch.optim.Adam(G.parameters())
            opt_d = torch.optim.Adam(D.parameters())
            for z, real in loader:
                opt_g.zero_grad()
                (-D(G(z)).mean()).backward()
                opt_g.step()
                opt_d.zero_grad()
                opt_g.step
                (D(G(z).detach()).mean() - D(real).mean()).backward()
                opt_d.step()
        """, why="each optimizer steps after its own backward"),
    ]
    invalid = [
        Invalid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                opt.zero_grad()
                opt.step()
                loss = loss_fn(model(x), y)
                loss.backward()
        """, line=5),
        Invalid("""
            import torch
            import torch.nn as nn
            net = nn.Linear(4, 2)
            opt = torch.optim.Adam(net.parameters())
            def update():
                opt.step()
            for epoch in range(3):
                for x, y in loader:
                    net.zero_grad()
                    update()
                    loss_fn(net(x), y).backward()
        """, line=10),
        Invalid("""
            import torch
            import torch.nn as nn
            G = nn.Linear(8, 4)
            D = nn.Linear(4, 1)
            opt_g = torch.optim.Adam(G.parameters())
            opt_d = torch.optim.Adam(D.parameters())
            for z, real in loader:
                opt_d.zero_grad()
                (D(G(z).detach()).mean() - D(real).mean()).backward()
                opt_d.step()
                opt_g.zero_grad()
                opt_g.step()
                (-D(G(z)).mean()).backward()
        """, line=12),
    ]

    def _check(self, loop: cst.For | cst.While) -> None:
        info = self.context.info
        events = loop_events(loop, info, loop_scope(self.context.ancestors, info.module))
        for index, step in optimizer_steps(events):
            found = step_on_zeroed_gradients(events, index, info)
            if found is not None and found[0] == "before":
                self.report(step.node, optimizer=describe(step, info), where=where(step))
