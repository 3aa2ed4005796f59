"""A Trainer that keeps everything it needs as attributes."""
import torch
from torch import nn
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader

from model import BinaryClassifier


class Trainer:
    def __init__(self, dataset, epochs=90, batch_size=32):
        self.model = BinaryClassifier()
        self.loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True)
        self.criterion = nn.BCEWithLogitsLoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1, momentum=0.9)
        self.scheduler = StepLR(self.optimizer, step_size=30, gamma=0.1)
        self.epochs = epochs
        self.running_loss = 0.0

    def _run_batch(self, features, labels):
        self.optimizer.zero_grad()
        scores = self.model(features)
        loss = self.criterion(scores, labels.float())
        loss.backward()
        self.optimizer.step()
        self.running_loss += loss.item()

    def train(self):
        for epoch in range(self.epochs):
            self.running_loss = 0.0
            self.model.train()
            for features, labels in self.loader:
                self._run_batch(features, labels)
            self.scheduler.step()
            print(f"epoch {epoch}: {float(self.running_loss) / len(self.loader):.4f}")
