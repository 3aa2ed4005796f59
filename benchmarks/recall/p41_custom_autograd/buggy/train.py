import torch
from torch import nn

from ops import ClampSTE, RoundSTE


class QuantMLP(nn.Module):
    def __init__(self, bits=4):
        super().__init__()
        self.levels = 2 ** bits - 1
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 1)

    def forward(self, x):
        h = ClampSTE.apply(torch.relu(self.fc1(x)), 0.0, 1.0)
        h = RoundSTE.apply(h * self.levels) / self.levels
        return self.fc2(h)


model = QuantMLP()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
x, y = torch.randn(512, 16), torch.randn(512, 1)
for step in range(300):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
