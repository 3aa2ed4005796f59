import pytorch_lightning as pl
import torch
import torch.nn as nn
import torch.nn.functional as F
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset


class Regressor(pl.LightningModule):
    def __init__(self, in_features=16, hidden=64, p=0.3):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, 1)
        self.p = p

    def forward(self, x):
        h = F.relu(self.fc1(x))
        h = F.dropout(h, self.p, training=self.training)
        return self.fc2(h).squeeze(-1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", F.mse_loss(self(x), y), prog_bar=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


def main():
    x = torch.randn(1024, 16)
    y = x.sum(dim=1) + 0.1 * torch.randn(1024)
    train = DataLoader(TensorDataset(x[:900], y[:900]), batch_size=64, shuffle=True)
    val = DataLoader(TensorDataset(x[900:], y[900:]), batch_size=128)
    callbacks = [
        EarlyStopping(monitor="val_loss", mode="min", patience=5),
        ModelCheckpoint(monitor="val_loss", save_top_k=1),
    ]
    trainer = pl.Trainer(max_epochs=50, callbacks=callbacks)
    trainer.fit(Regressor(), train, val)


if __name__ == "__main__":
    main()
