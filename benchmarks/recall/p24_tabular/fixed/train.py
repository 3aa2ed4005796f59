import torch
from torch import nn

from prepare import load

train_loader, test_loader = load()
model = nn.Sequential(nn.Linear(13, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
mse = nn.MSELoss()
for epoch in range(100):
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = mse(model(x).squeeze(1), y)
        loss.backward()
        optimizer.step()
