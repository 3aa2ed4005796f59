"""The network: a two-layer perceptron with dropout."""
from torch import nn


class MLP(nn.Module):
    def __init__(self, in_features: int, hidden: int, num_classes: int, dropout: float = 0.1):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        return self.net(x)
