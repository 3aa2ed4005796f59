from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.loops import EachLoop, loop_scope
from nnlint.analysis.optim import (
    Event,
    Op,
    always_before,
    back_from,
    describe,
    is_optimizer,
    loop_events,
    may_reach,
    owner,
    zeroes,
)
from nnlint.rule import Invalid, Rule, Valid
from nnlint.rules.loop_events import because


class MisplacedGradClipping(EachLoop, Rule):
    """Gradients are clipped where clipping has no effect: before backward(), after step(), or still scaled.

    ## What it does
    Looks at what runs last before `clip_grad_norm_` / `clip_grad_value_` in a
    training loop (through helper functions, and across iterations) and
    reports clipping that comes right after the optimizer's `step()` or right
    after `zero_grad()` (so before `backward()`), and clipping of gradients
    produced by `scaler.scale(loss).backward()` with no
    `scaler.unscale_(optimizer)` in between.

    ## Why is this bad?
    Clipping only helps against exploding gradients (checklist item 35) if it
    changes the gradients the step uses. After `step()` the update already
    happened; after `zero_grad()` there is nothing to clip, and the next
    `backward()` writes fresh, unclipped gradients. Under a `GradScaler` the
    gradients are multiplied by the loss scale (often 65536): a threshold of
    1.0 then clips almost everything to a tiny norm, or the norm test is
    meaningless.

    ## Example
    ```python
    scaler.scale(loss).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(optimizer)
    ```

    ## Use instead
    ```python
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(optimizer)
    ```
    """

    code = "NN408"
    name = "misplaced-grad-clipping"
    checklist = (35,)
    message = "{problem}"
    help = "clip between backward() and step(); with a GradScaler, call scaler.unscale_(optimizer) first"
    requires_text = ("clip_grad",)

    valid = [
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
        """, why="between backward and step"),
        Valid("""
            import torch
            from torch.nn.utils import clip_grad_norm_
            opt = torch.optim.AdamW(model.parameters())
            scaler = torch.cuda.amp.GradScaler()
            for x, y in loader:
                opt.zero_grad()
                with torch.autocast("cuda"):
                    loss = loss_fn(model(x), y)
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
                clip_grad_norm_(model.parameters(), 1.0)
                scaler.step(opt)
                scaler.update()
        """, why="AMP: unscaled before clipping"),
        Valid("""
            import torch
            import torch.nn as nn
            opt = torch.optim.AdamW(model.parameters())
            for i, (x, y) in enumerate(loader):
                (loss_fn(model(x), y) / 4).backward()
                if (i + 1) % 4 == 0:
                    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    opt.step()
                    opt.zero_grad()
        """, why="gradient accumulation: clipped once per step, after the backward passes"),
        Valid("""
            import torch
            import torch.nn as nn
            G = nn.Linear(8, 4)
            D = nn.Linear(4, 1)
            opt_g = torch.optim.Adam(G.parameters())
            opt_d = torch.optim.Adam(D.parameters())
            for z, real in loader:
                opt_d.zero_grad()
                (D(G(z).detach()).mean() - D(real).mean()).backward()
                nn.utils.clip_grad_value_(D.parameters(), 0.01)
                opt_d.step()
                opt_g.zero_grad()
                (-D(G(z)).mean()).backward()
                nn.utils.clip_grad_norm_(G.parameters(), 5.0)
                opt_g.step()
        """, why="each network clipped after its own backward"),
        Valid("""
            import math
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                opt.step()
                norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        """, why="an infinite threshold only measures the norm (for logging)"),
    ]
    invalid = [
        Invalid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                opt.step()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        """, line=7),
        Invalid("""
            import torch
            import torch.nn as nn
            net = nn.Linear(4, 2)
            opt = torch.optim.SGD(net.parameters(), lr=0.1)
            for x, y in loader:
                opt.zero_grad()
                nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                loss_fn(net(x), y).backward()
                opt.step()
        """, line=7),
        Invalid("""
            import torch
            from torch.nn.utils import clip_grad_norm_
            opt = torch.optim.AdamW(model.parameters())
            scaler = torch.cuda.amp.GradScaler()
            for x, y in loader:
                opt.zero_grad()
                with torch.autocast("cuda"):
                    loss = loss_fn(model(x), y)
                scaler.scale(loss).backward()
                clip_grad_norm_(model.parameters(), 1.0)
                scaler.step(opt)
                scaler.update()
        """, line=10),
    ]

    def _check(self, loop: cst.For | cst.While) -> None:
        info = self.context.info
        events = loop_events(loop, info, loop_scope(self.context.ancestors, info.module))
        for index, clip in enumerate(events):
            if clip.op is Op.CLIP and clip.depth == 0 and not _measures_only(clip.node, self.context.module):
                problem = self._problem(events, index)
                if problem is not None:
                    self.report(clip.at, problem=problem, because=because(clip))

    def _problem(self, events: list[Event], index: int) -> str | None:
        clip = events[index]
        info = self.context.info
        optimizers = {e.target for e in events if e.op is Op.STEP and is_optimizer(e.target)}
        for i, wrapped in back_from(events, index):
            event = events[i]
            if event.op is Op.BACKWARD:
                if not may_reach(event, clip, wrapped):
                    continue
                between = events[i + 1:index] if not wrapped else events[i + 1:] + events[:index]
                if event.scaler is not None and not any(e.op in (Op.UNSCALE, Op.OPAQUE) for e in between):
                    return "these gradients are still multiplied by the GradScaler's loss scale: call scaler.unscale_(optimizer) before clipping"
                return None
            if event.op is Op.OPAQUE or (event.op is Op.STEP and event.target is None):
                return None
            if event.op not in (Op.STEP, Op.ZERO) or event.depth or not always_before(event, clip, wrapped):
                continue
            optimizer = next(iter(optimizers)) if clip.target is None and len(optimizers) == 1 else None
            if clip.target is not None:
                optimizer = next((o for o in optimizers if o is not None and owner(o, info) is clip.target), None)
            if optimizer is None:
                continue
            if event.op is Op.STEP and event.target is optimizer:
                return f"gradients are clipped after {describe(event, info)}.step() already applied them: the clipping has no effect"
            if event.op is Op.ZERO and zeroes(event, optimizer, info):
                return "gradients are clipped right after zero_grad(), before backward() computes them: the clipping has no effect"
        return None


def _measures_only(call: cst.CSTNode, module: cst.Module) -> bool:
    """``clip_grad_norm_(params, float("inf"))``: the idiom that only measures the norm."""
    limit = syntax.argument(call, 1, "max_norm") if isinstance(call, cst.Call) else None
    return limit is not None and "inf" in module.code_for_node(limit)
