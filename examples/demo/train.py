"""Train DigitNet on a digits CSV — the kind of script that runs for hours and learns nothing.

Run `nnlint examples/demo` to see why before running it.
"""

import argparse

import numpy as np
import torch
import torch.nn as nn
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.utils.data import DataLoader, TensorDataset

from model import DigitNet


def load(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    return data[:, 1:], data[:, 0].astype(np.int64)


def evaluate(model, loader):
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            predictions = model(images).argmax(dim=1)
            correct += (predictions == labels).sum().item()
            total += labels.numel()
    return correct / total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="digits.csv")
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()

    features, labels = load(args.data)
    scaler = StandardScaler()
    features = scaler.fit_transform(features)
    x_train, x_test, y_train, y_test = train_test_split(features, labels, test_size=0.2)

    def to_loader(x, y, batch_size):
        images = torch.tensor(x, dtype=torch.float32).view(-1, 1, 28, 28)
        return DataLoader(TensorDataset(images, torch.tensor(y)), batch_size=batch_size)

    train_loader = to_loader(x_train, y_train, 64)
    test_loader = to_loader(x_test, y_test, 256)

    model = DigitNet()
    criterion = nn.NLLLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        for images, targets in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(images), targets)
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch}: test accuracy {evaluate(model, test_loader):.3f}")


if __name__ == "__main__":
    main()
