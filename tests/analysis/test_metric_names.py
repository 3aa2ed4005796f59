"""Which way a metric improves, from its name (shared by the best-model and checkpoint rules)."""

from __future__ import annotations

import pytest

from nnlint.analysis.frameworks.metric_names import Better, better


@pytest.mark.parametrize("name", ["eval_loss", "val/loss", "train_loss_epoch", "eval_wer", "perplexity", "val_mae"])
def test_losses_and_errors_are_better_lower(name: str) -> None:
    assert better(name) is Better.LOWER


@pytest.mark.parametrize("name", ["eval_accuracy", "val/acc", "f1", "eval_rouge2", "bleu", "val_auroc"])
def test_scores_are_better_higher(name: str) -> None:
    assert better(name) is Better.HIGHER


@pytest.mark.parametrize("name", ["eval_score", "reward", "accuracy_loss", "lossy", ""])
def test_names_that_say_neither_or_both_are_unknown(name: str) -> None:
    assert better(name) is None
