"""``wrapped_by``: which model objects a ``DistributedDataParallel(model)`` call wraps (the interpreter treats the wrap as the model)."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.context import FileContext
from nnlint.analysis.torch_api import DISTRIBUTED_WRAPPERS
from nnlint.analysis.values import Instance
from nnlint.analysis.wrappers import wrapped_by
from tests.analysis.harness import marked_statement, module


def _wrapped(source: str) -> list[str]:
    """The qualified names of what the call on the marked line wraps."""
    info = module(source)
    _, statement = marked_statement(info)
    assert isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign)
    context = FileContext(None, "train.py", info.module.code, info, ancestors=[info.module, statement])
    call = statement.body[0].value
    assert isinstance(call, cst.Call)
    return [value.qualname for value in wrapped_by(context, call, DISTRIBUTED_WRAPPERS) if isinstance(value, Instance)]


def test_a_ddp_call_wraps_the_model_it_is_given() -> None:
    assert "torch.nn.Linear" in _wrapped("""
        import torch.nn as nn
        from torch.nn.parallel import DistributedDataParallel as DDP
        model = nn.Linear(4, 2)
        ddp = DDP(model, device_ids=[0])  # <-
    """)


def test_a_call_that_is_no_wrapper_wraps_nothing() -> None:
    assert _wrapped("""
        import torch.nn as nn
        model = nn.Linear(4, 2)
        other = print(model)  # <-
    """) == []
