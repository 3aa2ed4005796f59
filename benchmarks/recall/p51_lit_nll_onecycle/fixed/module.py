import lightning as L
import torch
import torch.nn as nn
import torch.nn.functional as F


class TextClassifier(L.LightningModule):
    def __init__(self, vocab_size=20000, num_classes=4, max_lr=3e-3, steps_per_epoch=100, epochs=10):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, 128)
        self.classifier = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, num_classes))
        self.max_lr = max_lr
        self.steps_per_epoch = steps_per_epoch
        self.epochs = epochs

    def forward(self, tokens):
        return self.classifier(self.embedding(tokens))

    def training_step(self, batch, batch_idx):
        tokens, labels = batch
        logits = self(tokens)
        loss = F.cross_entropy(logits, labels)
        self.log("train/loss", loss, on_step=True)
        return loss

    def validation_step(self, batch, batch_idx):
        tokens, labels = batch
        preds = self(tokens).argmax(-1)
        self.log("val/acc", (preds == labels).float().mean(), on_epoch=True)

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(self.parameters(), lr=self.max_lr, weight_decay=0.01)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=self.max_lr, steps_per_epoch=self.steps_per_epoch, epochs=self.epochs
        )
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
