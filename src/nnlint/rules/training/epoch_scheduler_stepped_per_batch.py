from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.interpreter import interpreter_for
from nnlint.analysis.loops import EachLoop, enclosing_statements, loop_scope
from nnlint.analysis.optim import Op, describe, loop_events, scheduler_optimizer
from nnlint.analysis.torch_api import EPOCH_SCHEDULERS
from nnlint.analysis.bindings import Where
from nnlint.analysis.sites import Scope
from nnlint.analysis.values import UNKNOWN, Constant, Instance, Sequence, Value
from nnlint.rule import Invalid, Rule, Valid
from nnlint.rules.loop_events import because

_FAST_DECAY = 0.95  # a decay factor per batch at most this: the rate is gone within an epoch
_FEW_STEPS = 10  # a StepLR step_size this small is never meant in batches


class EpochSchedulerSteppedPerBatch(EachLoop, Rule):
    """A scheduler whose length is counted in epochs is stepped once per batch.

    ## What it does
    Reports `scheduler.step()` inside the loop that steps the optimizer (the
    batch loop) when the scheduler is a `StepLR`, `MultiStepLR`,
    `CosineAnnealingLR` or `ExponentialLR` whose arguments are visibly counted
    in epochs: `T_max`/`step_size` equal to the bound of the enclosing epoch
    loop (`range(args.epochs)` and `T_max=args.epochs`), literal
    `step_size`/`milestones` not larger than a literal epoch count, a `StepLR`
    cutting the rate (`gamma <= 0.95`) every 10 steps or fewer, or an
    `ExponentialLR` with `gamma <= 0.95`. A schedule sized in iterations
    (`T_max=epochs * len(loader)`, `milestones=[60000, 80000]`) and
    `OneCycleLR`, which is meant to be stepped per batch, stay silent.

    ## Why is this bad?
    The schedule runs hundreds of times faster than intended: a cosine schedule
    over "100 epochs" reaches its minimum after 100 batches and then climbs
    again, a step decay divides the learning rate every few batches until it is
    effectively zero, and training stalls early (checklist item 36).

    ## Example
    ```python
    scheduler = CosineAnnealingLR(optimizer, T_max=args.epochs)
    for epoch in range(args.epochs):
        for x, y in loader:
            ...
            optimizer.step()
            scheduler.step()
    ```

    ## Use instead
    ```python
    for epoch in range(args.epochs):
        for x, y in loader:
            ...
            optimizer.step()
        scheduler.step()
    ```
    or size the schedule in iterations (`T_max=args.epochs * len(loader)`).
    """

    code = "NN407"
    name = "epoch-scheduler-stepped-per-batch"
    checklist = (36,)
    message = "{scheduler}.step() runs every batch, but this {kind} is sized in epochs ({evidence}): the schedule runs far too fast"
    help = "step epoch-based schedulers once per epoch, after the batch loop, or size them in iterations"
    requires_text = ("lr_scheduler",)

    valid = [
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
            for epoch in range(args.epochs):
                for x, y in loader:
                    opt.zero_grad()
                    loss_fn(model(x), y).backward()
                    opt.step()
                sched.step()
        """, why="stepped once per epoch"),
        Valid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs * len(loader))
            for epoch in range(args.epochs):
                for x, y in loader:
                    opt.zero_grad()
                    loss_fn(model(x), y).backward()
                    opt.step()
                    sched.step()
        """, why="sized in iterations"),
        Valid("""
            import torch
            from torch.optim.lr_scheduler import MultiStepLR, OneCycleLR
            opt = torch.optim.SGD(model.parameters(), lr=0.02)
            sched = MultiStepLR(opt, milestones=[60000, 80000])
            cycle = OneCycleLR(opt, max_lr=0.1, total_steps=90000)
            for epoch in range(12):
                for x, y in loader:
                    opt.zero_grad()
                    loss_fn(model(x), y).backward()
                    opt.step()
                    sched.step()
                    cycle.step()
        """, why="milestones in iterations; OneCycleLR is per batch by design"),
        Valid("""
            import torch
            opt = torch.optim.Adam(model.parameters())
            sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9999)
            decay = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.9999)
            for x, y in loader:
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                opt.step()
                sched.step()
                decay.step()
        """, why="per-iteration decay rates"),
    ]
    invalid = [
        Invalid("""
            import torch
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
            for epoch in range(args.epochs):
                for x, y in loader:
                    opt.zero_grad()
                    loss_fn(model(x), y).backward()
                    opt.step()
                    sched.step()
        """, line=9),
        Invalid("""
            import torch
            from torch.optim.lr_scheduler import MultiStepLR
            opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
            sched = MultiStepLR(opt, milestones=[30, 60, 80], gamma=0.1)
            for epoch in range(90):
                for i, (x, y) in enumerate(loader):
                    opt.zero_grad()
                    loss_fn(model(x), y).backward()
                    if (i + 1) % 2 == 0:
                        opt.step()
                        sched.step()
        """, line=11),
        Invalid("""
            import torch
            import torch.optim as optim
            optimizer = optim.Adam(model.parameters(), lr=1e-3)
            scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
            def train(epoch):
                for x, y in train_loader:
                    optimizer.zero_grad()
                    loss_fn(model(x), y).backward()
                    optimizer.step()
                    scheduler.step()
            for epoch in range(1, 15):
                train(epoch)
        """, line=10),
        Invalid("""
            import torch
            opt = torch.optim.Adam(model.parameters())
            sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
            for x, y in loader:
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                opt.step()
                sched.step()
        """, line=8),
    ]

    def _check(self, loop: cst.For | cst.While) -> None:
        info = self.context.info
        events = loop_events(loop, info, loop_scope(self.context.ancestors, info.module))
        seen: set[Instance] = set()
        for event in events:
            scheduler = event.target
            if event.op is not Op.SCHEDULE or event.depth or scheduler is None or scheduler in seen or scheduler.call is None:
                continue
            seen.add(scheduler)
            optimizer = scheduler_optimizer(scheduler, info)
            if scheduler.qualname not in EPOCH_SCHEDULERS or optimizer is None or scheduler.module_key != info.key:
                continue
            kind = EPOCH_SCHEDULERS[scheduler.qualname][0]
            if not any(e.op is Op.STEP and e.target is optimizer and e.depth == 0 for e in events):
                continue
            evidence = self._epoch_units(scheduler, loop)
            if evidence is not None:
                self.report(event.at, scheduler=describe(event, info), kind=kind, evidence=evidence, because=because(event))

    def _epoch_units(self, scheduler: Instance, loop: cst.For | cst.While) -> str | None:
        """Why the scheduler's length is in epochs (quoted in the message), or None if that is not known."""
        assert scheduler.call is not None
        kind, position, name = EPOCH_SCHEDULERS[scheduler.qualname]
        argument = syntax.argument(scheduler.call, position, name)
        if argument is None:
            return None
        code = self.context.module.code_for_node
        gamma_argument = argument if kind == "ExponentialLR" else syntax.argument(scheduler.call, 2, "gamma")
        built = self._site(scheduler.call)
        gamma = _number(self._value(gamma_argument, built)) if gamma_argument is not None else 0.1
        if kind == "ExponentialLR":
            return f"gamma={code(argument)} per batch" if gamma is not None and gamma <= _FAST_DECAY else None
        length = self._value(argument, built)  # milestones, T_max or step_size, as the model follows them
        size = _number(length)
        if kind == "StepLR" and size is not None and size <= _FEW_STEPS and gamma is not None and gamma <= _FAST_DECAY:
            return f"step_size={code(argument)}: the rate is cut every {code(argument)} batches"
        for bound, where in self._epoch_bounds(loop):
            limit = _number(self._value(bound, where))
            if kind == "MultiStepLR":
                values = [_number(item) for item in length.items] if isinstance(length, Sequence) and length.complete else []
                if limit is not None and values and all(v is not None and v <= limit for v in values):
                    return f"milestones={code(argument)} within the {code(bound)} epochs"
            elif code(argument) == code(bound) or (limit is not None and size is not None and size <= limit):
                return f"{name}={code(argument)}, for {code(bound)} epochs"
        return None

    def _epoch_bounds(self, loop: cst.For | cst.While) -> list[tuple[cst.BaseExpression, Where | None]]:
        """The bounds of the `range(...)` loops around ``loop``, here or around the calls of its function,
        each with the statement it is evaluated before (``range(epochs)`` with ``def train(epochs=100)``)."""
        around: list[tuple[cst.CSTNode, Scope]] = []
        scope = loop_scope(self.context.ancestors, self.context.module)
        for node in reversed(self.context.ancestors[:-1]):
            if isinstance(node, cst.FunctionDef):
                interpreter = interpreter_for(self.context.info)
                for caller, statement, _ in interpreter.calls.by_name.get(node.name.value, []):
                    around += [(outer, caller) for outer in enclosing_statements(caller, statement) or []]
                break
            around.append((node, scope))
        return [(bound, (where, node)) for node, where in around if isinstance(node, cst.For) and (bound := _range_bound(node.iter)) is not None]

    def _site(self, call: cst.Call) -> Where | None:
        site = interpreter_for(self.context.info).calls.by_call.get(id(call))
        return (site[0], site[1]) if site is not None else None

    def _value(self, node: cst.BaseExpression, where: Where | None) -> Value:
        """What ``node`` holds just before the statement ``where``: a literal, or what the model follows there."""
        if where is None:
            return literal_value(node)
        interpreter = interpreter_for(self.context.info)
        return interpreter.value(node, interpreter.env_before(where[1], where[0]))


def _range_bound(iterable: cst.BaseExpression) -> cst.BaseExpression | None:
    """``E`` for ``range(E)``, ``range(1, E + 1)``, ``tqdm(range(E))``."""
    while isinstance(iterable, cst.Call) and syntax.dotted_name(iterable.func) != "range" and iterable.args:
        iterable = iterable.args[0].value
    if not isinstance(iterable, cst.Call) or syntax.dotted_name(iterable.func) != "range" or not 1 <= len(iterable.args) <= 2:
        return None
    bound = iterable.args[-1].value
    if isinstance(bound, cst.BinaryOperation) and isinstance(bound.operator, cst.Add) and _number(literal_value(bound.right)) == 1:
        bound = bound.left
    return bound


def literal_value(node: cst.BaseExpression) -> Value:
    return Constant(node.evaluated_value) if isinstance(node, (cst.Integer, cst.Float)) else UNKNOWN


def _number(value: Value) -> float | None:
    """A known int or float (not a bool)."""
    if isinstance(value, Constant) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
        return float(value.value)
    return None
