"""Entry point: build data and model, hand them to the Trainer."""
import torch
from torch.utils.data import TensorDataset

from model import MLP
from trainer import Trainer


def main():
    x = torch.randn(2000, 32)
    y = torch.randint(0, 4, (2000,))
    train_set = TensorDataset(x[:1600], y[:1600])
    val_set = TensorDataset(x[1600:], y[1600:])
    model = MLP(32, 128, 4)
    Trainer(model, train_set, val_set).fit()


if __name__ == "__main__":
    main()
