"""Command-line training script for a small regression network."""
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def parse_args():
    parser = argparse.ArgumentParser(description="train a regressor")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate")
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--dropout", type=float, default=0.05)
    parser.add_argument("--no-shuffle", action="store_true")
    return parser.parse_args()


def main():
    args = parse_args()
    x = torch.randn(5000, 8)
    y = x @ torch.randn(8, 1) + 0.1 * torch.randn(5000, 1)
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=not args.no_shuffle)
    model = nn.Sequential(nn.Linear(8, 64), nn.Tanh(), nn.Dropout(args.dropout), nn.Linear(64, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    loss_fn = nn.MSELoss()
    for epoch in range(args.epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
        print(f"{epoch}: {loss.item():.5f}")


if __name__ == "__main__":
    main()
