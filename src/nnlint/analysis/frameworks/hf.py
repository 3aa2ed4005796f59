"""Hugging Face transformers, as the semantic model sees it.

transformers is never imported: what its functions return is data in ``facts.py``. A schedule factory
(``get_linear_schedule_with_warmup(optimizer, ...)``) returns a torch ``LambdaLR`` on the optimizer it is
given, so the scheduler rules read it as they read a ``torch.optim.lr_scheduler`` object.
"""

from __future__ import annotations

from nnlint.analysis.frameworks.facts import SCHEDULE_FACTORY_RESULT, TRANSFORMERS_SCHEDULE_FACTORIES


def built_class(qualname: str) -> str | None:
    """The torch class of the object a transformers factory function returns (None: not such a factory)."""
    return SCHEDULE_FACTORY_RESULT if qualname in TRANSFORMERS_SCHEDULE_FACTORIES else None
