import torch
from torch.utils.data import DataLoader, TensorDataset

from engine import pretrain_head, train_step, validate
from model import Tagger

x = torch.randn(5000, 300)
y = (torch.rand(5000, 20) > 0.8).float()
train_loader = DataLoader(TensorDataset(x[:4000], y[:4000]), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(x[4000:], y[4000:]), batch_size=256)
model = Tagger()
pretrain_head(model, train_loader)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    model.train()
    for xb, yb in train_loader:
        train_step(model, optimizer, xb, yb)
    print(epoch, validate(model, val_loader))
