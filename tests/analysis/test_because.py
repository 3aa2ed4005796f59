"""Findings carry the path that led to them as "because" notes (shown by the full reporter)."""

from __future__ import annotations

from nnlint.rules.data.unshuffled_train_loader import UnshuffledTrainLoader
from nnlint.rules.implementation.single_logit_cross_entropy import SingleLogitCrossEntropy
from nnlint.testing import check_example


def test_single_logit_finding_names_the_head_and_its_line() -> None:
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
    assert [d.notes for d in found] == [("because: the scores come from nn.Linear with one output, built on line 8",)]


def test_unshuffled_loader_finding_names_the_training_loop() -> None:
    found = check_example(UnshuffledTrainLoader, """
        from torch.utils.data import DataLoader
        kwargs = {"batch_size": 8}
        loader = DataLoader(data, **kwargs)
        for x, y in loader:
            loss_fn(model(x), y).backward()
    """)
    assert [(d.line + 1, d.notes) for d in found] == [(3, ("because: its batches reach backward() in the loop on line 4",))]
