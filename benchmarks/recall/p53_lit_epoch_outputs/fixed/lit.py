import lightning.pytorch as pl
import torch
import torch.nn as nn


class AutoEncoder(pl.LightningModule):
    def __init__(self, dim=784, latent=32):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(dim, 256), nn.ReLU(), nn.Linear(256, latent))
        self.decoder = nn.Sequential(nn.Linear(latent, 256), nn.ReLU(), nn.Linear(256, dim))
        self.criterion = nn.MSELoss()
        self.training_step_outputs = []
        self.validation_step_outputs = []

    def forward(self, x):
        return self.decoder(self.encoder(x))

    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        loss = self.criterion(self(x), x)
        self.training_step_outputs.append(loss.detach())
        return loss

    def on_train_epoch_end(self):
        epoch_mean = torch.stack(self.training_step_outputs).mean()
        self.log("train_epoch_loss", epoch_mean)
        self.training_step_outputs.clear()

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        x = x.view(x.size(0), -1)
        self.validation_step_outputs.append(self.criterion(self(x), x))

    def on_validation_epoch_end(self):
        self.log("val_loss", torch.stack(self.validation_step_outputs).mean())
        self.validation_step_outputs.clear()

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)
