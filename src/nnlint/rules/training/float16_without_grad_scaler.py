from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.loops import enclosing_statements, loop_scope
from nnlint.analysis.optim import Event, Op, loop_events
from nnlint.analysis.torch_api import AUTOCAST, BACKWARD_FUNCTIONS, CUDA_AUTOCAST, FLOAT16_AUTOCAST_DEVICES, FLOAT16_DTYPES
from nnlint.analysis.values import Constant
from nnlint.rule import Invalid, Rule, Valid


class Float16WithoutGradScaler(Rule):
    """A training loop runs under float16 autocast and back-propagates without a `GradScaler`.

    ## What it does
    Finds `with torch.autocast("cuda"):` / `torch.autocast(..., dtype=torch.float16)` /
    `torch.cuda.amp.autocast()` inside a loop that calls `loss.backward()` directly,
    where no backward pass of that loop is scaled (`scaler.scale(loss).backward()`)
    and no `GradScaler` steps the optimizer. bfloat16 (`dtype=torch.bfloat16`,
    CPU autocast) needs no scaler and is silent, as are `enabled=False`, a
    dtype or device nnlint cannot read, and backward passes run by a framework
    (`accelerator.backward(loss)` scales by itself under `mixed_precision="fp16"`).

    ## Why is this bad?
    float16 has a tiny range: gradients below about 6e-8 round to zero and many
    activations' gradients are that small. Without loss scaling, parts of the
    network silently stop learning, and the loss can turn to NaN when a large
    value overflows (checklist item 37). `GradScaler` multiplies the loss before
    `backward()` and unscales the gradients before the step, skipping steps
    with Inf/NaN gradients.

    ## Example
    ```python
    for x, y in loader:
        optimizer.zero_grad()
        with torch.autocast("cuda", dtype=torch.float16):
            loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    ```

    ## Use instead
    ```python
    scaler = torch.amp.GradScaler("cuda")
    for x, y in loader:
        optimizer.zero_grad()
        with torch.autocast("cuda", dtype=torch.float16):
            loss = criterion(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    ```
    or `dtype=torch.bfloat16` where the GPU supports it.
    """

    code = "NN439"
    name = "float16-without-grad-scaler"
    checklist = (37,)
    message = "{autocast} runs the forward pass in float16 but the loss is back-propagated without a GradScaler: small gradients underflow to zero and large ones overflow to Inf"
    help = "scale the loss with torch.amp.GradScaler (scaler.scale(loss).backward(), scaler.step(optimizer), scaler.update()), or use dtype=torch.bfloat16"
    requires_text = ("autocast",)

    valid = [
        Valid("""
            import torch
            scaler = torch.amp.GradScaler("cuda")
            for x, y in loader:
                opt.zero_grad()
                with torch.autocast("cuda", dtype=torch.float16):
                    loss = loss_fn(model(x), y)
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
        """, why="the canonical AMP loop"),
        Valid("""
            import torch
            for x, y in loader:
                opt.zero_grad()
                with torch.autocast("cuda", dtype=torch.bfloat16):
                    loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
        """, why="bfloat16 has float32's range"),
        Valid("""
            import torch
            for x, y in loader:
                opt.zero_grad()
                with torch.autocast("cpu"):
                    loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
        """, why="CPU autocast defaults to bfloat16"),
        Valid("""
            import torch
            from accelerate import Accelerator
            accelerator = Accelerator(mixed_precision="fp16")
            for x, y in loader:
                opt.zero_grad()
                with torch.autocast("cuda"):
                    loss = loss_fn(model(x), y)
                accelerator.backward(loss)
                opt.step()
        """, why="accelerate scales the loss in its backward"),
        Valid("""
            import torch
            with torch.no_grad():
                for x, y in val_loader:
                    with torch.cuda.amp.autocast():
                        total += loss_fn(model(x), y).item()
        """, why="evaluation: nothing is back-propagated"),
    ]
    invalid = [
        Invalid("""
            import torch
            for x, y in loader:
                opt.zero_grad()
                with torch.autocast("cuda", dtype=torch.float16):
                    loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
        """, line=4),
        Invalid("""
            import torch
            from torch.cuda.amp import autocast
            def train_epoch(model, loader, opt):
                for x, y in loader:
                    with autocast():
                        loss = loss_fn(model(x), y)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
        """, line=5),
        Invalid("""
            import torch
            device = "cuda"
            for x, y in loader:
                with torch.amp.autocast(device_type=device):
                    loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
                opt.zero_grad()
        """, line=4),
    ]

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            if isinstance(item.item, cst.Call) and self._float16(item.item):
                self._check(node, item.item)
                return

    def _float16(self, call: cst.Call) -> bool:
        qualname = self.context.qualify(call.func)
        if qualname not in AUTOCAST:
            return False
        enabled = syntax.keyword(call, "enabled")
        if enabled is not None and self.context.value(enabled.value) != Constant(True):
            return False
        dtype = syntax.argument(call, 1, "dtype")
        if dtype is not None:
            return self.context.qualify(dtype) in FLOAT16_DTYPES
        if qualname in CUDA_AUTOCAST:
            return not call.args or all(arg.keyword is not None for arg in call.args)
        device = syntax.argument(call, 0, "device_type")
        found = self.context.value(device) if device is not None else None
        return isinstance(found, Constant) and found.value in FLOAT16_AUTOCAST_DEVICES

    def _check(self, node: cst.With, autocast: cst.Call) -> None:
        loop = self.context.enclosing(cst.For, cst.While)
        if not isinstance(loop, (cst.For, cst.While)):
            return
        info = self.context.info
        scope = loop_scope(self.context.ancestors[: self.context.ancestors.index(loop) + 1], info.module)
        events = loop_events(loop, info, scope)
        backwards = [event for event in events if event.op is Op.BACKWARD]
        if not backwards or any(event.scaler is not None or event.op in (Op.UNSCALE, Op.UPDATE, Op.OPAQUE) for event in events):
            return
        if all(self._plain(event, scope) for event in backwards):
            self.report(autocast, autocast=self.context.module.code_for_node(autocast.func))

    def _plain(self, event: Event, scope: cst.Module | cst.FunctionDef) -> bool:
        """``loss.backward()`` / ``torch.autograd.backward(loss)`` on a loss no ``with ... as`` hands over (apex's ``scale_loss``)."""
        call = event.node
        if not (event.direct and isinstance(call, cst.Call)):
            return False
        if self.context.qualify(call.func) in BACKWARD_FUNCTIONS:
            return True
        if syntax.argument(call, 0) is not None or not isinstance(call.func, cst.Attribute):
            return False
        receiver = call.func.value
        around = enclosing_statements(scope, event.statement) or []
        return not (isinstance(receiver, cst.Name) and any(
            isinstance(statement, cst.With) and any(item.asname is not None and receiver.value in syntax.names_in(item.asname.name) for item in statement.items)
            for statement in around))
