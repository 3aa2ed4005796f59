import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from config import TrainConfig
from model import build_model


def train(cfg: TrainConfig):
    x = torch.randn(10_000, 64)
    y = torch.randint(0, cfg.num_classes, (10_000,))
    loader = DataLoader(TensorDataset(x, y), batch_size=cfg.batch_size, shuffle=True)
    model = build_model(cfg, in_features=64)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=cfg.betas)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(cfg.epochs):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
        print(epoch, loss.item())


if __name__ == "__main__":
    train(TrainConfig())
