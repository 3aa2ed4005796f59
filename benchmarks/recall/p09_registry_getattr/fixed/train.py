import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def get_args():
    p = argparse.ArgumentParser()
    p.add_argument("--criterion", default="BCEWithLogitsLoss", help="any loss class of torch.nn")
    p.add_argument("--optimizer", default="Adam")
    p.add_argument("--lr", type=float, default=1e-3)
    return p.parse_args()


def main():
    args = get_args()
    x = torch.randn(2048, 30)
    y = (x[:, :3].sum(1) > 0).float()
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    model = nn.Sequential(nn.Linear(30, 32), nn.ReLU(), nn.Linear(32, 1))
    criterion = getattr(nn, args.criterion)()
    optimizer = getattr(torch.optim, args.optimizer)(model.parameters(), lr=args.lr)
    for epoch in range(10):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb).squeeze(1), yb)
            loss.backward()
            optimizer.step()


if __name__ == "__main__":
    main()
