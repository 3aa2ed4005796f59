import pytorch_lightning as pl
import torch
import torch.nn as nn
import torch.nn.functional as F
from pytorch_lightning.callbacks import ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {
    "model": {"hidden": 128, "dropout": 0.2},
    "optim": {"lr": 0.03, "weight_decay": 1e-4},
    "checkpoint": {"monitor": "val_f1", "mode": "max"},
    "trainer": {"max_epochs": 20},
}


class TabularNet(pl.LightningModule):
    def __init__(self, cfg, in_features=32, num_classes=3):
        super().__init__()
        self.cfg = cfg
        hidden = cfg["model"]["hidden"]
        self.mlp = nn.Sequential(
            nn.Linear(in_features, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
            nn.Dropout(cfg["model"]["dropout"]), nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        return self.mlp(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        preds = torch.cat([self(chunk).argmax(1) for chunk in x.split(64)])
        for cls in range(3):
            self.log(f"val_recall_{cls}", ((preds == cls) & (y == cls)).float().sum() / (y == cls).float().sum().clamp(min=1))
        self.log("val_f1", (preds == y).float().mean())
        self.log("val_loss", F.cross_entropy(self(x), y))

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=self.cfg["optim"]["lr"], weight_decay=self.cfg["optim"]["weight_decay"])
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=2)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": plateau, "monitor": "val_loss"}}


def main(cfg=CONFIG):
    x = torch.randn(2000, 32)
    y = torch.randint(0, 3, (2000,))
    train = DataLoader(TensorDataset(x[:1600], y[:1600]), batch_size=64, shuffle=True, drop_last=True)
    val = DataLoader(TensorDataset(x[1600:], y[1600:]), batch_size=256)
    checkpoint = ModelCheckpoint(monitor=cfg["checkpoint"]["monitor"], mode=cfg["checkpoint"]["mode"])
    trainer = pl.Trainer(callbacks=[checkpoint], **cfg["trainer"])
    trainer.fit(TabularNet(cfg), train, val)


if __name__ == "__main__":
    main()
