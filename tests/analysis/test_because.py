"""Findings carry the path that led to them as related locations: each a place of the file and what it says."""

from __future__ import annotations

from nnlint.diagnostic import Diagnostic
from nnlint.rules.data.unshuffled_train_loader import UnshuffledTrainLoader
from nnlint.rules.implementation.single_logit_cross_entropy import SingleLogitCrossEntropy
from nnlint.testing import check_example


def _related(found: list[Diagnostic]) -> list[list[tuple[str, int, int, str]]]:
    """Per finding: (path, 1-based line, column, message) of each related location."""
    return [[(r.path, r.range.start.line + 1, r.range.start.character, r.message) for r in d.related] for d in found]


def test_single_logit_finding_relates_the_head_layer() -> None:
    found = check_example(SingleLogitCrossEntropy, """
        import torch.nn as nn
        import torch.nn.functional as F
        class Trainer:
            def __init__(self, model):
                self.model = model
            def step(self, x, y):
                return F.cross_entropy(self.model(x), y)
        net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1))
        trainer = Trainer(net)
    """)
    assert _related(found) == [[("train.py", 8, 50, "the scores come from nn.Linear with one output, built here")]]
    assert found[0].notes == ()


def test_unshuffled_loader_finding_relates_the_training_loop() -> None:
    found = check_example(UnshuffledTrainLoader, """
        from torch.utils.data import DataLoader
        kwargs = {"batch_size": 8}
        loader = DataLoader(data, **kwargs)
        for x, y in loader:
            loss_fn(model(x), y).backward()
    """)
    assert [d.line + 1 for d in found] == [3]
    assert _related(found) == [[("train.py", 4, 12, "its batches reach backward() in this loop")]]

