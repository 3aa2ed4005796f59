import lightning as L
import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset

from models.lit_model import LitConvNet


def build_trainer(max_epochs):
    checkpoint = ModelCheckpoint(dirpath="checkpoints", monitor="val_acc", save_top_k=3)  # seeded, rule NN429 not written yet (construct lightning-hook,cross-file)
    return L.Trainer(max_epochs=max_epochs, callbacks=[checkpoint])


def main():
    x = torch.randn(640, 1, 28, 28)
    y = torch.randint(0, 10, (640,))
    train = DataLoader(TensorDataset(x[:512], y[:512]), batch_size=32, shuffle=True)
    val = DataLoader(TensorDataset(x[512:], y[512:]), batch_size=64)
    build_trainer(10).fit(LitConvNet(), train, val)


if __name__ == "__main__":
    main()
