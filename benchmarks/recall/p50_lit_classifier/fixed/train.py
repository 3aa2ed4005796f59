import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, TensorDataset

from model import LitClassifier


def main():
    images = torch.randn(512, 3, 32, 32)
    labels = torch.randint(0, 10, (512,))
    train_loader = DataLoader(TensorDataset(images[:448], labels[:448]), batch_size=32, shuffle=True)
    val_loader = DataLoader(TensorDataset(images[448:], labels[448:]), batch_size=64)
    trainer = pl.Trainer(max_epochs=5, accelerator="auto")
    trainer.fit(LitClassifier(), train_loader, val_loader)
    trainer.test(dataloaders=val_loader)


if __name__ == "__main__":
    main()
