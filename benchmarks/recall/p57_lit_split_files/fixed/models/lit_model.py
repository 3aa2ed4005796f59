import lightning as L
import torch
import torch.nn.functional as F

from models.net import ConvNet


class LitConvNet(L.LightningModule):
    def __init__(self, lr=1e-3):
        super().__init__()
        self.net = ConvNet()
        self.lr = lr

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.nll_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_acc", (self.net(x).argmax(1) == y).float().mean())

    def configure_optimizers(self):
        return torch.optim.Adam(self.net.parameters(), lr=self.lr)
