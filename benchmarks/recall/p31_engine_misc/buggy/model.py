import torch
from torch import nn


class Tagger(nn.Module):
    """Multi-label tagger: independent probabilities for 20 tags."""

    def __init__(self, in_dim=300, tags=20):
        super().__init__()
        self.fc = nn.Linear(in_dim, 128)
        self.out = nn.Linear(128, tags)

    def forward(self, x):
        return torch.sigmoid(self.out(torch.relu(self.fc(x))))
