"""accelerate as the semantic model sees it: ``prepare`` keeps what it wraps, ``accelerator.backward``
is a backward pass and ``accelerator.clip_grad_norm_`` clips, so the training-loop rules read an
accelerate loop as they read a hand-written one."""

from __future__ import annotations

import textwrap

from nnlint.analysis.values import UNKNOWN, Instance
from nnlint.rules.training.misplaced_grad_clipping import MisplacedGradClipping
from nnlint.rules.training.missing_zero_grad import MissingZeroGrad
from nnlint.testing import check_example
from tests.analysis.harness import value_at

_PREPARED = """
    import torch
    import torch.nn as nn
    from accelerate import Accelerator
    accelerator = Accelerator()
    model = nn.Linear(4, 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    print(model)  # <-
"""


def test_prepare_unpacks_to_the_objects_it_was_given() -> None:
    model, optimizer = value_at(_PREPARED, "model"), value_at(_PREPARED, "optimizer")
    assert isinstance(model, Instance) and model.qualname == "torch.nn.Linear"
    assert isinstance(optimizer, Instance) and optimizer.qualname == "torch.optim.AdamW"


def test_prepare_of_one_object_returns_it() -> None:
    found = value_at("""
        import torch.nn as nn
        import accelerate
        accelerator = accelerate.Accelerator(mixed_precision="fp16")
        model = accelerator.prepare_model(nn.Linear(4, 2))
        print(model)  # <-
    """, "model")
    assert isinstance(found, Instance) and found.qualname == "torch.nn.Linear"


def test_other_accelerator_methods_are_unknown() -> None:
    assert value_at("""
        from accelerate import Accelerator
        accelerator = Accelerator()
        model = accelerator.unwrap_model(model)
        print(model)  # <-
    """, "model") is UNKNOWN


def test_a_prepare_of_something_else_keeps_nothing() -> None:
    assert value_at("""
        import torch.nn as nn
        model = helper.prepare(nn.Linear(4, 2))
        print(model)  # <-
    """, "model") is UNKNOWN


def _lines(rule: type, source: str) -> list[int]:
    return [diagnostic.range.start.line + 1 for diagnostic in check_example(rule, textwrap.dedent(source))]


_LOOP = """
    import torch
    import torch.nn as nn
    from accelerate import Accelerator
    accelerator = Accelerator()
    model = nn.Linear(4, 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    for x, y in loader:
        {zero}
        loss = nn.functional.cross_entropy(model(x), y)
        {before}
        accelerator.backward(loss)
        {after}
        optimizer.step()
"""
_CLIP = "accelerator.clip_grad_norm_(model.parameters(), 1.0)"


def test_accelerator_backward_without_zero_grad_is_missing_zero_grad() -> None:
    assert _lines(MissingZeroGrad, _LOOP.format(zero="pass", before="pass", after="pass")) == [14]
    assert _lines(MissingZeroGrad, _LOOP.format(zero="optimizer.zero_grad()", before="pass", after="pass")) == []


def test_accelerator_clip_before_backward_is_misplaced() -> None:
    assert _lines(MisplacedGradClipping, _LOOP.format(zero="optimizer.zero_grad()", before=_CLIP, after="pass")) == [11]
    assert _lines(MisplacedGradClipping, _LOOP.format(zero="optimizer.zero_grad()", before="pass", after=_CLIP)) == []
