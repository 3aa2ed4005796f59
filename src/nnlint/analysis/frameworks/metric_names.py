"""Which way a metric improves, read from its name: ``eval_loss`` gets better as it falls, ``val/acc``
as it rises. Checkpoint, early-stopping and best-model settings of every framework name their metric
this way; a name with words of both kinds, or of neither, is unknown.
"""

from __future__ import annotations

import enum
import re

from nnlint.analysis.frameworks.facts import HIGHER_IS_BETTER_WORDS, LOWER_IS_BETTER_WORDS


class Better(enum.Enum):
    LOWER = "lower"
    HIGHER = "higher"


def better(metric: str) -> Better | None:
    words = set(re.split(r"[^a-z0-9]+", metric.lower()))
    lower, higher = bool(words & LOWER_IS_BETTER_WORDS), bool(words & HIGHER_IS_BETTER_WORDS)
    if lower == higher:
        return None
    return Better.LOWER if lower else Better.HIGHER
