"""accelerate's training loop, as the semantic model sees it.

``accelerator.prepare(model, optimizer, loader, scheduler)`` returns the objects it is given, wrapped for
the device and the processes; the wrappers compute, step and iterate as the originals do, so the
interpreter keeps the originals (``model, optimizer = accelerator.prepare(model, optimizer)`` unpacks to
the same model and optimizer). ``accelerator.backward(loss)`` is a backward pass (its name is a backward
method's); ``accelerator.clip_grad_norm_(model.parameters(), 1.0)`` clips, unscaling fp16 gradients first;
inside ``with accelerator.accumulate(model):`` the prepared optimizer and scheduler step only when the
gradients are synchronised, every k-th micro-batch, so a ``zero_grad()`` per micro-batch is correct there.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from nnlint.analysis.frameworks.facts import ACCELERATE_CLIP_METHODS, ACCELERATE_PREPARE_METHODS, ACCELERATORS
from nnlint.analysis.values import UNKNOWN, Arguments, Instance, Sequence, Value


def is_accelerator(value: object) -> bool:
    return isinstance(value, Instance) and value.qualname in ACCELERATORS


def method_result(method: str, arguments: Arguments) -> Value:
    """What calling ``method`` of an Accelerator returns: for ``prepare(...)``, its one argument or a tuple
    of them (the wrappers stand for what they wrap); unknown for the other methods."""
    if not (method in ACCELERATE_PREPARE_METHODS and arguments.exact and arguments.positional):
        return UNKNOWN
    values = arguments.positional
    return values[0] if len(values) == 1 else Sequence(values)


def prepared(call: cst.Call, value_of: Callable[[cst.BaseExpression], Value]) -> tuple[Value, ...]:
    """The objects ``call`` hands to an Accelerator's ``prepare(...)``: they come back wrapped, a loader
    sharded across the processes (empty when ``call`` is not such a call)."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value in ACCELERATE_PREPARE_METHODS and is_accelerator(value_of(func.value))):
        return ()
    return tuple(value_of(arg.value) for arg in call.args if not arg.star)


def clips(method: str | None) -> bool:
    """``accelerator.clip_grad_norm_(...)`` / ``clip_grad_value_`` (on an Accelerator): clipping, as torch's functions do."""
    return method in ACCELERATE_CLIP_METHODS
