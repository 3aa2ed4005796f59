import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {
    "data": {"batch_size": 64, "shuffle": True},
    "model": {"hidden": 128, "dropout": 0.85},  # expect: NN415 construct=config-dict,helper-function
    "optim": {"name": "Adam", "lr": 0.3, "weight_decay": 0.0},  # expect: NN414 construct=config-dict,registry
    "epochs": 10,
}


def build_model(cfg):
    return nn.Sequential(nn.Linear(20, cfg["hidden"]), nn.ReLU(), nn.Dropout(cfg["dropout"]), nn.Linear(cfg["hidden"], 2))


def build_optimizer(cfg, params):
    cls = getattr(torch.optim, cfg["name"])
    return cls(params, lr=cfg["lr"], weight_decay=cfg["weight_decay"])


def main(cfg=CONFIG):
    x, y = torch.randn(5000, 20), torch.randint(0, 2, (5000,))
    loader = DataLoader(TensorDataset(x, y), **cfg["data"])
    model = build_model(cfg["model"])
    optimizer = build_optimizer(cfg["optim"], model.parameters())
    criterion = nn.CrossEntropyLoss()
    for _ in range(cfg["epochs"]):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            criterion(model(xb), yb).backward()
            optimizer.step()


if __name__ == "__main__":
    main()
