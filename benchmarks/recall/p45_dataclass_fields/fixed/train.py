import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

from config import TrainConfig


def build_model(cfg):
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, cfg.hidden),
        nn.ReLU(),
        nn.Dropout(cfg.dropout),
        nn.Linear(cfg.hidden, cfg.num_classes),
    )


def main():
    cfg = TrainConfig()
    images = torch.randn(6000, 1, 28, 28)
    labels = torch.randint(0, 10, (6000,))
    train_set = TensorDataset(images, labels)
    train_loader = DataLoader(train_set, batch_size=cfg.data.batch_size, **cfg.data.loader_kwargs)
    model = build_model(cfg.model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(cfg.epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
        print(epoch, loss.item())


if __name__ == "__main__":
    main()
