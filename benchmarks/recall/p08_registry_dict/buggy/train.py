from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader, TensorDataset

from losses import build_loss
from models import MODELS


@dataclass
class Experiment:
    model: str = "mlp"
    loss: str = "nll"
    num_classes: int = 10
    lr: float = 0.05
    epochs: int = 3


def run(exp: Experiment):
    images = torch.rand(6000, 1, 28, 28)
    labels = torch.randint(0, exp.num_classes, (6000,))
    loader = DataLoader(TensorDataset(images, labels), batch_size=100, shuffle=True)
    model = MODELS[exp.model](exp.num_classes)
    criterion = build_loss(exp.loss)
    optimizer = torch.optim.SGD(model.parameters(), lr=exp.lr)
    for _ in range(exp.epochs):
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)  # expect: NN301 construct=registry,dataclass-config,cross-file
            loss.backward()
            optimizer.step()


if __name__ == "__main__":
    run(Experiment())
