from __future__ import annotations

import libcst as cst

from nnlint.analysis.accumulation import accumulation
from nnlint.analysis.loops import EachLoop, loop_scope
from nnlint.analysis.optim import Op, describe, loop_events, zeroes
from nnlint.rule import Invalid, Rule, Valid


class ZeroGradEveryMicroBatch(EachLoop, Rule):
    """Gradients are zeroed on every micro-batch of a loop that accumulates them over k.

    ## What it does
    Finds hand-written gradient accumulation — a loop that back-propagates every
    batch and steps the optimizer only under `if (i + 1) % k == 0:` — where the
    optimizer's gradients are zeroed unconditionally on every iteration (at the
    top of the body, or after the `if`), directly or in a helper. A reset inside
    the stepping branch is the correct form and stays silent, as does
    accelerate's `with accelerator.accumulate(model):`, whose optimizer steps
    every iteration in the code and skips the steps itself.

    ## Why is this bad?
    Accumulation relies on `backward()` adding to `.grad` until the step. A
    `zero_grad()` on every micro-batch erases the k - 1 gradients the step has
    not used yet: each update sees one micro-batch, the effective batch size is
    k times smaller than configured, and (with the loss divided by k) every
    update is also k times too small (checklist items 35 and 36).

    ## Example
    ```python
    for i, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = criterion(model(x), y) / accum_steps
        loss.backward()
        if (i + 1) % accum_steps == 0:
            optimizer.step()
    ```

    ## Use instead
    ```python
    for i, (x, y) in enumerate(loader):
        loss = criterion(model(x), y) / accum_steps
        loss.backward()
        if (i + 1) % accum_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
    ```
    """

    code = "NN433"
    name = "zero-grad-every-micro-batch"
    checklist = (35, 36)
    message = "{reset} runs on every micro-batch but {optimizer}.step() only every {k}: the gradients accumulated since the last step are erased, so each update uses one micro-batch"
    help = "zero the gradients in the branch that steps, right after step()"
    requires_text = ("zero_grad", "grad")

    valid = [
        Valid("""
            import torch
            opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
            for i, (x, y) in enumerate(loader):
                loss = loss_fn(model(x), y) / accum
                loss.backward()
                if (i + 1) % accum == 0:
                    opt.step()
                    opt.zero_grad()
        """, why="the reset runs with the step"),
        Valid("""
            import torch
            from accelerate import Accelerator
            accelerator = Accelerator(gradient_accumulation_steps=4)
            opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
            model, opt, loader = accelerator.prepare(model, opt, loader)
            for x, y in loader:
                with accelerator.accumulate(model):
                    opt.zero_grad()
                    accelerator.backward(loss_fn(model(x), y))
                    opt.step()
        """, why="accelerate: the prepared optimizer zeroes and steps only when the gradients are synchronised"),
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for i, (x, y) in enumerate(loader):
                opt.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                if not torch.isfinite(loss):
                    continue
                opt.step()
                if i % 100 == 0:
                    print(loss.item())
        """, why="a modulo test for logging, not around the step"),
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for i, (x, y) in enumerate(loader):
                if i % accum == 0:
                    opt.zero_grad()
                loss_fn(model(x), y).backward()
                if (i + 1) % accum == 0:
                    opt.step()
        """, why="the reset is itself once per k micro-batches"),
    ]
    invalid = [
        Invalid("""
            import torch
            opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
            for i, (x, y) in enumerate(loader):
                opt.zero_grad()
                loss = loss_fn(model(x), y) / accum
                loss.backward()
                if (i + 1) % accum == 0:
                    opt.step()
        """, line=4),
        Invalid("""
            import torch
            import torch.nn as nn
            net = nn.Linear(4, 2)
            opt = torch.optim.SGD(net.parameters(), lr=0.1)
            for step, (x, y) in enumerate(loader):
                loss = nn.functional.cross_entropy(net(x), y) / 8
                loss.backward()
                if step % 8 == 7:
                    opt.step()
                net.zero_grad()
        """, line=10),
        Invalid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            def reset():
                opt.zero_grad(set_to_none=True)
            for i, (x, y) in enumerate(loader):
                reset()
                (loss_fn(model(x), y) / 2).backward()
                if (i + 1) % 2 == 0:
                    opt.step()
        """, line=6),
    ]

    def _check(self, loop: cst.For | cst.While) -> None:
        info = self.context.info
        events = loop_events(loop, info, loop_scope(self.context.ancestors, info.module))
        found = accumulation(events)
        if found is None or found.step.target is None:
            return
        for event in events:
            if event.op is Op.ZERO and not event.path and event.depth == 0 and zeroes(event, found.step.target, info):
                code = self.context.module.code_for_node
                self.report(event.node, reset=code(event.node), optimizer=describe(found.step, info), k=code(found.k))
                return
