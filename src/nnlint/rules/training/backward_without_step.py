from __future__ import annotations

import libcst as cst

from nnlint.analysis.loops import EachLoop, loop_scope
from nnlint.analysis.optim import Op, describe, is_optimizer, loop_events, where
from nnlint.analysis.values import Instance
from nnlint.diagnostic import Severity
from nnlint.rule import Invalid, Rule, Valid


class BackwardWithoutStep(EachLoop, Rule):
    """A training loop zeroes an optimizer's gradients and back-propagates, but never steps it.

    ## What it does
    Reports a loop that calls `optimizer.zero_grad()` and `backward()` in each
    iteration (directly or through helper functions) while nothing in the loop
    calls that optimizer's `step()` — neither `optimizer.step()` nor
    `scaler.step(optimizer)`. Each optimizer of a multi-optimizer loop is
    checked separately. Loops that read `.grad` themselves (saliency maps,
    manual updates) and loops that hand the optimizer to code nnlint cannot see
    are left alone.

    ## Why is this bad?
    Without `step()` the parameters never change: the gradients are computed,
    then thrown away by the next `zero_grad()`. The loss stays flat however long
    you train (checklist item 23). A `scheduler.step()` in the loop does not
    update the weights either.

    ## Example
    ```python
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        scheduler.step()
    ```

    ## Use instead
    ```python
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        scheduler.step()
    ```
    """

    code = "NN404"
    name = "backward-without-step"
    checklist = (23,)
    message = "backward() computes gradients that {optimizer} never applies: this loop zeroes them{where} but never calls {optimizer}.step()"
    help = "call optimizer.step() (or scaler.step(optimizer)) after backward() in every training step"
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
        """, why="the canonical loop"),
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                opt.zero_grad()
                for chunk_x, chunk_y in zip(x.chunk(4), y.chunk(4)):
                    (loss_fn(model(chunk_x), chunk_y) / 4).backward()
                opt.step()
        """, why="micro-batches accumulate in an inner loop; the outer loop steps"),
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                opt.zero_grad()
                x.requires_grad_(True)
                model(x).max().backward()
                saliency = x.grad.abs()
        """, why="the loop reads the gradients itself"),
        Valid("""
            import torch
            opt = torch.optim.Adam(model.parameters())
            scaler = torch.cuda.amp.GradScaler()
            def update():
                scaler.step(opt)
                scaler.update()
            for x, y in loader:
                opt.zero_grad()
                scaler.scale(loss_fn(model(x), y)).backward()
                update()
        """, why="the step goes through the scaler, in a helper"),
        Valid("""
            import torch
            opt = torch.optim.Adam(model.parameters())
            for x, y in loader:
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                xm.optimizer_step(opt)
        """, why="the optimizer is handed to code nnlint cannot see"),
        Valid("""
            import torch
            g_opt = torch.optim.Adam(G.parameters())
            d_opt = torch.optim.Adam(D.parameters())
            def reset_grad():
                g_opt.zero_grad()
                d_opt.zero_grad()
            for real in loader:
                for _ in range(5):
                    D(G(z).detach()).mean().backward()
                    d_opt.step()
                    reset_grad()
                (-D(G(z)).mean()).backward()
                g_opt.step()
                reset_grad()
        """, why="the critic's inner loop zeroes both optimizers; the generator's steps in the loop around it"),
    ]
    invalid = [
        Invalid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10)
            for x, y in loader:
                opt.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                sched.step()
        """, line=7),
        Invalid("""
            import torch
            import torch.nn as nn
            G = nn.Linear(8, 4)
            D = nn.Linear(4, 1)
            opt_g = torch.optim.Adam(G.parameters())
            opt_d = torch.optim.Adam(D.parameters())
            for z, real in loader:
                opt_d.zero_grad()
                d_loss = D(G(z).detach()).mean() - D(real).mean()
                d_loss.backward()
                opt_d.step()
                opt_g.zero_grad()
                g_loss = -D(G(z)).mean()
                g_loss.backward()
        """, line=14),
        Invalid("""
            import torch
            import torch.nn as nn
            net = nn.Linear(4, 2)
            optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
            def compute(x, y):
                optimizer.zero_grad()
                nn.functional.cross_entropy(net(x), y).backward()
            for x, y in loader:
                compute(x, y)
        """, line=9),
    ]

    def _stepped_around(self, loop: cst.For | cst.While, optimizer: Instance) -> bool:
        """A loop around this one steps the optimizer (a critic's inner loop zeroes every optimizer's gradients)."""
        info = self.context.info
        scope = loop_scope(self.context.ancestors, info.module)
        outer = [node for node in self.context.ancestors if isinstance(node, (cst.For, cst.While)) and node is not loop]
        return any(event.op in (Op.STEP, Op.OPAQUE) and event.target in (None, optimizer)
                   for around in outer for event in loop_events(around, info, scope))

    def _check(self, loop: cst.For | cst.While) -> None:
        info = self.context.info
        events = loop_events(loop, info, loop_scope(self.context.ancestors, info.module))
        backwards = [index for index, event in enumerate(events) if event.op is Op.BACKWARD]
        if not backwards or any(event.op is Op.GRAD for event in events):
            return
        seen: set[Instance] = set()
        for index, zero in enumerate(events):
            optimizer = zero.target
            if zero.op is not Op.ZERO or not is_optimizer(optimizer) or optimizer in seen:
                continue
            assert optimizer is not None
            seen.add(optimizer)
            if any(event.op in (Op.STEP, Op.OPAQUE) and event.target in (None, optimizer) for event in events):
                continue
            if self._stepped_around(loop, optimizer):
                continue
            backward = events[next((i for i in backwards if i > index), backwards[0])]
            self.report(backward.node, optimizer=describe(zero, info), where=where(zero))
