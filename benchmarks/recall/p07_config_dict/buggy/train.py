import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

cfg = {
    "lr": 1.0,  # expect: NN414 construct=config-dict
    "batch_size": 32,
    "shuffle": False,
    "epochs": 8,
    "weight_decay": 1e-4,
}


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(100, 50)
        self.fc2 = nn.Linear(50, 5)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def get_loader(cfg):
    x = torch.randn(3000, 100)
    y = torch.randint(0, 5, (3000,))
    return DataLoader(TensorDataset(x, y), batch_size=cfg["batch_size"], shuffle=cfg["shuffle"])  # expect: NN101 construct=config-dict,helper-function


def main():
    model = Net()
    loader = get_loader(cfg)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    for epoch in range(cfg["epochs"]):
        for x, y in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()


if __name__ == "__main__":
    main()
