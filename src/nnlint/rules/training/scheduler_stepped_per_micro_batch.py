from __future__ import annotations

import libcst as cst

from nnlint.analysis.accumulation import accumulation, counted_in_steps
from nnlint.analysis.loops import EachLoop, loop_scope
from nnlint.analysis.optim import Op, describe, loop_events, scheduler_optimizer
from nnlint.rule import Invalid, Rule, Valid


class SchedulerSteppedPerMicroBatch(EachLoop, Rule):
    """A learning-rate scheduler sized in optimizer updates is stepped on every micro-batch of an accumulation loop.

    ## What it does
    Finds hand-written gradient accumulation (the optimizer steps only under
    `if (i + 1) % k == 0:`) whose scheduler of that optimizer is stepped on
    every iteration, outside that branch, while the scheduler's length was
    computed in optimizer updates: its arguments divide by the same `k`
    (`get_linear_schedule_with_warmup(opt, warmup, len(loader) // accum * epochs)`,
    `OneCycleLR(opt, max_lr, total_steps=updates)` with
    `updates = math.ceil(len(loader) / accum) * epochs`). transformers' schedule
    factories are read as the `LambdaLR` they return. accelerate's prepared
    schedulers skip the steps of unsynchronised micro-batches themselves and
    are not judged here.

    ## Why is this bad?
    The schedule runs k times faster than it was planned: the warm-up is over
    after 1/k of the intended updates and a decaying schedule reaches its final
    (often zero) learning rate after 1/k of training, so the remaining
    (k - 1)/k of the run trains at the wrong rate or not at all (checklist
    item 36).

    ## Example
    ```python
    scheduler = get_linear_schedule_with_warmup(optimizer, 100, len(loader) // accum * epochs)
    for i, batch in enumerate(loader):
        (model(**batch).loss / accum).backward()
        if (i + 1) % accum == 0:
            optimizer.step()
            optimizer.zero_grad()
        scheduler.step()
    ```

    ## Use instead
    ```python
        if (i + 1) % accum == 0:
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
    ```
    """

    code = "NN434"
    name = "scheduler-stepped-per-micro-batch"
    checklist = (36,)
    message = "{scheduler}.step() runs on every micro-batch, but its length counts optimizer updates ({division}) and {optimizer}.step() runs only every {k}: the schedule ends {k} times too early"
    help = "step the scheduler in the branch that steps the optimizer"
    requires_text = ("step",)

    valid = [
        Valid("""
            import torch
            from transformers import get_linear_schedule_with_warmup
            opt = torch.optim.AdamW(model.parameters(), lr=5e-5)
            sched = get_linear_schedule_with_warmup(opt, 100, len(loader) // accum * 3)
            for i, batch in enumerate(loader):
                (model(**batch).loss / accum).backward()
                if (i + 1) % accum == 0:
                    opt.step()
                    sched.step()
                    opt.zero_grad()
        """, why="stepped with the optimizer"),
        Valid("""
            import torch
            from transformers import get_linear_schedule_with_warmup
            opt = torch.optim.AdamW(model.parameters(), lr=5e-5)
            sched = get_linear_schedule_with_warmup(opt, 100, len(loader) * 3)
            for i, batch in enumerate(loader):
                (model(**batch).loss / accum).backward()
                if (i + 1) % accum == 0:
                    opt.step()
                    opt.zero_grad()
                sched.step()
        """, why="the length counts micro-batches: stepping per micro-batch matches it"),
        Valid("""
            import torch
            from accelerate import Accelerator
            from transformers import get_linear_schedule_with_warmup
            accelerator = Accelerator(gradient_accumulation_steps=4)
            opt = torch.optim.AdamW(model.parameters(), lr=5e-5)
            sched = get_linear_schedule_with_warmup(opt, 100, len(loader) // 4 * 3)
            model, opt, loader, sched = accelerator.prepare(model, opt, loader, sched)
            for batch in loader:
                with accelerator.accumulate(model):
                    accelerator.backward(model(**batch).loss)
                    opt.step()
                    sched.step()
                    opt.zero_grad()
        """, why="accelerate steps the prepared scheduler only with the optimizer"),
    ]
    invalid = [
        Invalid("""
            import torch
            from transformers import get_linear_schedule_with_warmup
            opt = torch.optim.AdamW(model.parameters(), lr=5e-5)
            sched = get_linear_schedule_with_warmup(opt, 100, len(loader) // accum * 3)
            for i, batch in enumerate(loader):
                (model(**batch).loss / accum).backward()
                if (i + 1) % accum == 0:
                    opt.step()
                    opt.zero_grad()
                sched.step()
        """, line=10),
        Invalid("""
            import math
            import torch
            def train(model, loader, epochs, grad_accum=8):
                opt = torch.optim.SGD(model.parameters(), lr=0.1)
                updates_per_epoch = math.ceil(len(loader) / grad_accum)
                total = updates_per_epoch * epochs
                sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=total)
                for step, (x, y) in enumerate(loader):
                    loss = loss_fn(model(x), y) / grad_accum
                    loss.backward()
                    sched.step()
                    if (step + 1) % grad_accum == 0:
                        opt.step()
                        opt.zero_grad()
        """, line=11),
        Invalid("""
            import torch
            from transformers.optimization import get_cosine_schedule_with_warmup
            ACCUM = 4
            opt = torch.optim.AdamW(model.parameters(), lr=5e-5)
            sched = get_cosine_schedule_with_warmup(opt, num_warmup_steps=50, num_training_steps=len(loader) * 3 // 4)
            for i, batch in enumerate(loader):
                (model(**batch).loss / ACCUM).backward()
                if i % ACCUM == ACCUM - 1:
                    opt.step()
                    opt.zero_grad()
                sched.step()
        """, line=11),
    ]

    def _check(self, loop: cst.For | cst.While) -> None:
        info = self.context.info
        scope = loop_scope(self.context.ancestors, info.module)
        events = loop_events(loop, info, scope)
        found = accumulation(events)
        if found is None or found.step.target is None:
            return
        for event in events:
            scheduler = event.target
            if event.op is not Op.SCHEDULE or event.path or event.depth or scheduler is None:
                continue
            if scheduler_optimizer(scheduler, info) is not found.step.target:
                continue
            division = counted_in_steps(scheduler, found, info, scope)
            if division is not None:
                code = self.context.module.code_for_node
                self.report(event.node, scheduler=describe(event, info), division=code(division), optimizer=describe(found.step, info),
                            k=code(found.k))
                return
