"""What the distributed-training rules share: which model objects a file wraps in DDP or FSDP.

The interpreter treats ``DistributedDataParallel(model)`` as the model it wraps (it
computes what the model computes), so the wrap itself is only visible at its call.
A rule collects the wraps it sees during the visit and judges its candidates when
the module ends, because a training helper is often defined above the ``main()``
that wraps the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.values import Instance

if TYPE_CHECKING:
    from nnlint.analysis.context import FileContext


def wrapped_by(context: "FileContext", call: cst.Call, wrappers: frozenset[str]) -> tuple[Instance, ...]:
    """The objects ``call`` wraps when it is one of ``wrappers``: the model it is given and,
    where the interpreter builds one, the wrapper object itself (both mean "the wrapped model")."""
    if context.qualify(call.func) not in wrappers:
        return ()
    model = syntax.argument(call, 0, "module")
    if model is None:
        return ()
    values = (context.value(model), context.value(call))
    return tuple(value for value in values if isinstance(value, Instance))
