from __future__ import annotations

import libcst as cst

from nnlint.analysis.loops import EachLoop, loop_scope
from nnlint.analysis.optim import describe, loop_events, optimizer_steps, step_on_zeroed_gradients, where
from nnlint.diagnostic import Severity
from nnlint.rule import Invalid, Rule, Valid
from nnlint.rules.loop_events import because


class ZeroGradBetweenBackwardAndStep(EachLoop, Rule):
    """Gradients are zeroed after backward() and before the optimizer step that should use them.

    ## What it does
    Follows the order of `backward()`, `zero_grad()` and `step()` in a training
    loop (through helper functions, and from the end of one iteration into the
    next) and reports a `zero_grad()` of an optimizer's gradients that always
    runs between the last `backward()` and that optimizer's `step()`. A reset of
    *another* optimizer (the other network of a GAN), a reset under a condition
    (skipping a step on non-finite gradients) and the accumulation pattern are
    fine.

    ## Why is this bad?
    The step then sees zero (or `None`) gradients: plain SGD does nothing, and
    momentum or Adam keep applying stale updates. The loss does not go down and
    the network looks frozen (checklist item 23).

    ## Example
    ```python
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.zero_grad()
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
    """

    code = "NN403"
    name = "zero-grad-between-backward-and-step"
    checklist = (23,)
    message = "this zero_grad(){where} erases the gradients backward() just computed, before {optimizer}.step() uses them: the step applies zero gradients"
    help = "zero the gradients before the forward/backward pass (or right after step()), never between backward() and step()"
    severity = Severity.ERROR
    requires_text = ("zero_grad",)

    valid = [
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                loss_fn(model(x), y).backward()
                opt.step()
                opt.zero_grad()
        """, why="reset right after the step"),
        Valid("""
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
                opt_g.zero_grad()
                opt_d.step()
                g_loss = -D(G(z)).mean()
                g_loss.backward()
                opt_g.step()
        """, why="the reset between d_loss.backward() and opt_d.step() is the other optimizer's"),
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                opt.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                if not torch.isfinite(loss):
                    opt.zero_grad()
                    continue
                opt.step()
        """, why="a conditional reset that skips the step"),
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                opt.step()
                opt.zero_grad()
                loss_fn(model(x), y).backward()
        """, why="step first, then reset, then backward: each step uses the previous backward"),
        Valid("""
            import torch
            opt = torch.optim.AdamW(model.parameters())
            for i, (x, y) in enumerate(loader):
                (loss_fn(model(x), y) / 8).backward()
                if (i + 1) % 8 == 0:
                    opt.step()
                    opt.zero_grad()
        """, why="gradient accumulation"),
    ]
    invalid = [
        Invalid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                loss = loss_fn(model(x), y)
                loss.backward()
                opt.zero_grad()
                opt.step()
        """, line=6),
        Invalid("""
            import torch
            import torch.nn as nn
            net = nn.Linear(4, 2)
            opt = torch.optim.Adam(net.parameters())
            while True:
                x, y = next(batches)
                loss_fn(net(x), y).backward()
                net.zero_grad()
                opt.step()
        """, line=8),
        Invalid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                opt.step()
                loss = loss_fn(model(x), y)
                loss.backward()
                opt.zero_grad()
        """, line=7),
        Invalid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            def update():
                opt.zero_grad()
                opt.step()
            for x, y in loader:
                loss_fn(model(x), y).backward()
                update()
        """, line=4),  # the zero_grad() in the helper; the call in the loop is related
    ]

    def _check(self, loop: cst.For | cst.While) -> None:
        info = self.context.info
        events = loop_events(loop, info, loop_scope(self.context.ancestors, info.module))
        for index, step in optimizer_steps(events):
            found = step_on_zeroed_gradients(events, index, info)
            if found is not None and found[0] == "between":
                self.report(found[1].at, optimizer=describe(step, info), where=where(found[1]), because=because(found[1]))
