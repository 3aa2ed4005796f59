"""A binary classifier that returns one raw score (a logit) per sample."""
import torch.nn as nn


class BinaryClassifier(nn.Module):
    def __init__(self, in_features=16, hidden=64):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.head(self.body(x)).squeeze(-1)
