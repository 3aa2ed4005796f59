import numpy as np
import torch
from torch import nn

from data import make_loader


class SignalNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(1, 16, 5, padding=2), nn.BatchNorm1d(16), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(16, 3),
        )

    def forward(self, x):
        return self.net(x.unsqueeze(1))


signals = np.random.randn(3000, 128)
labels = np.random.choice(3, size=3000, p=[0.9, 0.08, 0.02])
loader = make_loader(signals, labels, batch_size=32)
model = SignalNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
