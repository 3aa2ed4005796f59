import torch.nn as nn


class MultiTaskNet(nn.Module):
    def __init__(self, in_dim, tasks, hidden=128):
        super().__init__()
        self.shared = nn.Sequential(nn.Linear(in_dim, hidden), nn.BatchNorm1d(hidden), nn.ReLU())
        self.heads = nn.ModuleDict({name: nn.Linear(hidden, classes) for name, classes in tasks.items()})

    def forward(self, x):
        h = self.shared(x)
        return {name: head(h) for name, head in self.heads.items()}
