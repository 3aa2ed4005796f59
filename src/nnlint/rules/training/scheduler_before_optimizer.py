from __future__ import annotations

import libcst as cst

from nnlint.analysis.loops import EachLoop, loop_scope
from nnlint.analysis.optim import Op, describe, loop_events, scheduler_optimizer, where
from nnlint.analysis.values import Instance
from nnlint.rule import Invalid, Rule, Valid


class SchedulerBeforeOptimizer(EachLoop, Rule):
    """The learning-rate scheduler steps before the optimizer it schedules.

    ## What it does
    Reports a `scheduler.step()` that runs, in every iteration of a loop, before
    any `step()` of the scheduler's optimizer in that iteration — typically at
    the top of the epoch loop, before the batch loop or the `train()` helper
    that steps the optimizer. Conditional calls (`if epoch > 0:`), calls with an
    explicit argument (`ReduceLROnPlateau.step(metric)`, `step(epoch)`) and
    schedulers whose optimizer is unknown are left alone.

    ## Why is this bad?
    Since PyTorch 1.1 a scheduler's `step()` is meant to come after
    `optimizer.step()`. Called first, the first value of the schedule is never
    used and every change happens one epoch (or batch) early: warm-up skips its
    first step, a step decay arrives early (checklist item 36). PyTorch only
    warns about it once, at run time.

    ## Example
    ```python
    for epoch in range(epochs):
        scheduler.step()
        train_one_epoch(model, loader, optimizer)
    ```

    ## Use instead
    ```python
    for epoch in range(epochs):
        train_one_epoch(model, loader, optimizer)
        scheduler.step()
    ```
    """

    code = "NN406"
    name = "scheduler-before-optimizer"
    checklist = (36,)
    message = "{scheduler}.step() runs before {optimizer}.step(){where} in each iteration: the schedule's first value is skipped and every change comes one step early"
    help = "call scheduler.step() after optimizer.step()"
    requires_text = ("lr_scheduler",)

    valid = [
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=30)
            for epoch in range(90):
                for x, y in loader:
                    opt.zero_grad()
                    loss_fn(model(x), y).backward()
                    opt.step()
                sched.step()
        """, why="the scheduler steps after the epoch's optimizer steps"),
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=30)
            for epoch in range(90):
                if epoch > 0:
                    sched.step()
                for x, y in loader:
                    opt.zero_grad()
                    loss_fn(model(x), y).backward()
                    opt.step()
        """, why="a conditional call that skips the first epoch"),
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)
            val_loss = float("inf")
            for epoch in range(90):
                plateau.step(val_loss)
                for x, y in loader:
                    opt.zero_grad()
                    loss_fn(model(x), y).backward()
                    opt.step()
                val_loss = evaluate(model)
        """, why="a metric-driven scheduler, given last epoch's metric"),
        Valid("""
            from torch.optim.lr_scheduler import StepLR
            def fit(opt, loader, epochs):
                sched = StepLR(opt, step_size=10)
                for epoch in range(epochs):
                    sched.step()
                    for x, y in loader:
                        loss_fn(model(x), y).backward()
                        opt.step()
        """, why="the optimizer is unknown"),
    ]
    invalid = [
        Invalid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=30)
            for epoch in range(90):
                sched.step()
                for x, y in loader:
                    opt.zero_grad()
                    loss_fn(model(x), y).backward()
                    opt.step()
        """, line=5),
        Invalid("""
            import torch
            from torch.optim.lr_scheduler import OneCycleLR
            opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
            sched = OneCycleLR(opt, max_lr=1e-2, total_steps=10000)
            for x, y in loader:
                sched.step()
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                opt.step()
        """, line=6),
        Invalid("""
            import torch
            import torch.optim as optim
            def train_one_epoch(model, loader, optimizer):
                for x, y in loader:
                    optimizer.zero_grad()
                    loss_fn(model(x), y).backward()
                    optimizer.step()
            optimizer = optim.SGD(model.parameters(), lr=0.1)
            scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=100)
            for epoch in range(100):
                scheduler.step()
                train_one_epoch(model, loader, optimizer)
        """, line=11),
    ]

    def _check(self, loop: cst.For | cst.While) -> None:
        info = self.context.info
        events = loop_events(loop, info, loop_scope(self.context.ancestors, info.module))
        seen: set[Instance] = set()
        for index, event in enumerate(events):
            scheduler = event.target
            if event.op is not Op.SCHEDULE or scheduler is None or scheduler in seen or event.depth or event.path or event.has_args:
                continue
            seen.add(scheduler)
            optimizer = scheduler_optimizer(scheduler, info)
            if optimizer is None or scheduler.qualname.endswith("ReduceLROnPlateau"):
                continue
            steps = [e for e in events if e.op is Op.STEP and e.target is optimizer]
            if not steps or any(e.op in (Op.STEP, Op.OPAQUE) and e.target in (None, optimizer) for e in events[:index]):
                continue
            self.report(event.node, scheduler=describe(event, info), optimizer=describe(steps[0], info), where=where(steps[0]))
