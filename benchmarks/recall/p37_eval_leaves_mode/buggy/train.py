import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from engine import evaluate, train_one_epoch


def main():
    x, y = torch.randn(3000, 40), torch.randint(0, 3, (3000,))
    train_loader = DataLoader(TensorDataset(x[:2500], y[:2500]), batch_size=50, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[2500:], y[2500:]), batch_size=250)
    model = nn.Sequential(nn.Linear(40, 80), nn.ReLU(), nn.Dropout(0.5), nn.Linear(80, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    model.train()
    for epoch in range(20):
        loss = train_one_epoch(model, train_loader, optimizer, criterion)
        acc = evaluate(model, val_loader)
        print(f"{epoch}: loss {loss:.3f} acc {acc:.3f}")


if __name__ == "__main__":
    main()
