from __future__ import annotations

import libcst as cst

from nnlint.analysis.loops import EachLoop, loop_scope
from nnlint.analysis.optim import Event, Op, back_from, describe, is_optimizer, loop_events, may_reach
from nnlint.analysis.values import Instance
from nnlint.diagnostic import Severity
from nnlint.rule import Invalid, Rule, Valid


class GradScalerMisuse(EachLoop, Rule):
    """A GradScaler is used half-way: scaled gradients stepped directly, or no scaler.update().

    ## What it does
    In loops that back-propagate through `scaler.scale(loss).backward()`, reports
    an `optimizer.step()` whose last backward pass was scaled (instead of
    `scaler.step(optimizer)`), and a `scaler.step(...)` with no `scaler.update()`
    anywhere in the loop (helpers included). Optimizers whose own backward pass
    is not scaled (one network of a GAN trained without AMP) are fine.

    ## Why is this bad?
    `scaler.scale(loss)` multiplies the loss — and so every gradient — by the
    loss scale (65536 at the start). `optimizer.step()` applies those gradients
    as they are: updates tens of thousands of times too large, and no skipping
    of steps whose gradients overflowed to inf/NaN (checklist item 35).
    `scaler.step()` unscales and skips such steps, and `scaler.update()` adapts
    the scale and resets the per-step state: without it the second iteration
    fails with "step() has already been called since the last update()", and the
    scale never adapts.

    ## Example
    ```python
    scaler.scale(loss).backward()
    optimizer.step()
    ```

    ## Use instead
    ```python
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    ```
    """

    code = "NN416"
    name = "grad-scaler-misuse"
    checklist = (35,)
    message = "{problem}"
    help = "with a GradScaler: scaler.scale(loss).backward(), scaler.step(optimizer), scaler.update() every step"
    severity = Severity.ERROR
    requires_text = ("GradScaler",)

    valid = [
        Valid("""
            import torch
            opt = torch.optim.AdamW(model.parameters())
            scaler = torch.cuda.amp.GradScaler()
            for x, y in loader:
                opt.zero_grad()
                with torch.autocast("cuda"):
                    loss = loss_fn(model(x), y)
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
        """, why="the documented AMP loop"),
        Valid("""
            import torch
            import torch.nn as nn
            G = nn.Linear(8, 4)
            D = nn.Linear(4, 1)
            opt_g = torch.optim.Adam(G.parameters())
            opt_d = torch.optim.Adam(D.parameters())
            scaler = torch.amp.GradScaler("cuda")
            for z, real in loader:
                opt_d.zero_grad()
                scaler.scale(D(G(z).detach()).mean() - D(real).mean()).backward()
                scaler.step(opt_d)
                opt_g.zero_grad()
                (-D(G(z)).mean()).backward()
                opt_g.step()
                scaler.update()
        """, why="only the discriminator's loss is scaled; one update per iteration"),
        Valid("""
            import torch
            opt = torch.optim.AdamW(model.parameters())
            scaler = torch.cuda.amp.GradScaler()
            def optimizer_step():
                scaler.step(opt)
                scaler.update()
                opt.zero_grad()
            for i, (x, y) in enumerate(loader):
                scaler.scale(loss_fn(model(x), y) / 4).backward()
                if (i + 1) % 4 == 0:
                    optimizer_step()
        """, why="accumulation, and the update is in a helper"),
        Valid("""
            import torch
            opt = torch.optim.AdamW(model.parameters())
            scaler = torch.cuda.amp.GradScaler(enabled=False)
            for x, y in loader:
                opt.zero_grad()
                scaler.scale(loss_fn(model(x), y)).backward()
                opt.step()
        """, why="a disabled scaler scales nothing"),
    ]
    invalid = [
        Invalid("""
            import torch
            opt = torch.optim.AdamW(model.parameters())
            scaler = torch.cuda.amp.GradScaler()
            for x, y in loader:
                opt.zero_grad()
                with torch.autocast("cuda"):
                    loss = loss_fn(model(x), y)
                scaler.scale(loss).backward()
                opt.step()
                scaler.update()
        """, line=9),
        Invalid("""
            import torch
            from torch.cuda.amp import GradScaler, autocast
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            scaler = GradScaler()
            for x, y in loader:
                opt.zero_grad()
                with autocast():
                    loss = loss_fn(model(x), y)
                scaler.scale(loss).backward()
                scaler.step(opt)
        """, line=10),
        Invalid("""
            import torch
            opt = torch.optim.AdamW(model.parameters())
            scaler = torch.cuda.amp.GradScaler()
            def backward(x, y):
                with torch.autocast("cuda"):
                    loss = loss_fn(model(x), y)
                scaler.scale(loss).backward()
            for x, y in loader:
                opt.zero_grad()
                backward(x, y)
                opt.step()
        """, line=11),
    ]

    def _check(self, loop: cst.For | cst.While) -> None:
        info = self.context.info
        events = loop_events(loop, info, loop_scope(self.context.ancestors, info.module))
        if not any(event.op is Op.BACKWARD and event.scaler is not None for event in events):
            return
        checked: set[Instance] = set()
        for index, step in enumerate(events):
            if step.op is not Op.STEP or step.depth:
                continue
            if step.scaler is None and is_optimizer(step.target) and not step.has_args and self._scaled_before(events, index):
                name = describe(step, info)
                self.report(step.node, problem=f"{name}.step() applies gradients that were multiplied by the GradScaler's loss scale: "
                                               f"use scaler.step({name}), which unscales them and skips steps that overflowed")
            elif step.scaler is not None and step.scaler not in checked:
                checked.add(step.scaler)
                if not any(_updates(event, step.scaler) for event in events):
                    self.report(step.node, problem="scaler.step() runs in this loop but scaler.update() never does: the next iteration raises "
                                                   "'step() has already been called since the last update()', and the loss scale never adapts")

    @staticmethod
    def _scaled_before(events: list[Event], index: int) -> bool:
        step = events[index]
        for i, wrapped in back_from(events, index):
            event = events[i]
            if event.op is Op.OPAQUE and event.target in (None, step.target):
                return False
            if event.op is Op.BACKWARD and may_reach(event, step, wrapped):
                return event.scaler is not None
        return False


def _updates(event: Event, scaler: Instance) -> bool:
    return (event.op is Op.UPDATE and event.scaler is scaler) or (event.op is Op.OPAQUE and event.target in (None, scaler))
