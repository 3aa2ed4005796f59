"""Train a small MLP on synthetic two-class data."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def main():
    torch.manual_seed(0)
    x = torch.randn(1024, 20)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long()
    order = y.argsort()
    x, y = x[order], y[order]
    train_set = TensorDataset(x[:896], y[:896])
    val_set = TensorDataset(x[896:], y[896:])
    train_loader = DataLoader(train_set, batch_size=64)  # expect: NN101 construct=local-variable
    val_loader = DataLoader(val_set, batch_size=256)

    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    criterion = nn.NLLLoss()

    for epoch in range(10):
        model.train()
        for xb, yb in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)  # expect: NN301 construct=local-variable
            loss.backward()
            optimizer.step()

        correct = 0
        with torch.no_grad():
            for xb, yb in val_loader:
                correct += (model(xb).argmax(dim=1) == yb).sum().item()  # expect: NN402 construct=local-variable
        print(f"epoch {epoch}: val accuracy {correct / len(val_set):.3f}")


if __name__ == "__main__":
    main()
