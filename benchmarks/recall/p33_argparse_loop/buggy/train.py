import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


def get_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--batch-size", type=int, default=32)
    return ap.parse_args()


def main():
    args = get_args()
    x, y = torch.randn(4000, 50), torch.randint(0, 7, (4000,))
    train_loader = DataLoader(TensorDataset(x[:3500], y[:3500]), batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[3500:], y[3500:]), batch_size=500)
    model = nn.Sequential(nn.Linear(50, 100), nn.BatchNorm1d(100), nn.ReLU(), nn.Dropout(0.3), nn.Linear(100, 7))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    model.train()
    for epoch in range(args.epochs):
        for xb, yb in tqdm(train_loader, desc=f"epoch {epoch}"):
            loss = criterion(model(xb), yb)  # expect: NN402 construct=wrapped-iterator
            optimizer.zero_grad()
            optimizer.step()  # expect: NN405 construct=argparse,wrapped-iterator
            loss.backward()
        model.eval()
        with torch.no_grad():
            accuracy = sum((model(xb).argmax(1) == yb).float().sum() for xb, yb in val_loader) / 500
        print(f"epoch {epoch}: {accuracy:.3f}")


if __name__ == "__main__":
    main()
