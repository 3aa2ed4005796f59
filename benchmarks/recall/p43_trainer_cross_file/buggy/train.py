import torch

from data import make_loaders
from model import MLP
from trainer import Trainer


def main():
    train_loader, val_loader = make_loaders(batch_size=64)
    model = MLP(20, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    trainer = Trainer(model, train_loader, val_loader, optimizer, max_epochs=5)
    trainer.fit()


if __name__ == "__main__":
    main()
