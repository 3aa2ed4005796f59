"""Training and evaluation, driven by a Trainer object."""
import torch
from torch.utils.data import DataLoader


class Trainer:
    def __init__(self, model, train_set, val_set, lr=3e-4, batch_size=64, epochs=10):
        self.model = model
        self.train_loader = DataLoader(train_set, batch_size=batch_size, num_workers=2)  # expect: NN101 construct=self-attribute
        self.val_loader = DataLoader(val_set, batch_size=batch_size * 2)
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
        self.criterion = torch.nn.CrossEntropyLoss()
        self.epochs = epochs

    def _run_batch(self, inputs, targets):
        logits = self.model(inputs)
        loss = self.criterion(logits, targets)
        loss.backward()
        self.optimizer.step()  # expect: NN401 construct=self-attribute,helper-function
        return loss.item()

    def _run_epoch(self, epoch):
        self.model.train()
        total = 0.0
        for inputs, targets in self.train_loader:
            total += self._run_batch(inputs, targets)
        return total / len(self.train_loader)

    @torch.no_grad()
    def evaluate(self):
        correct = 0
        seen = 0
        for inputs, targets in self.val_loader:
            logits = self.model(inputs)  # expect: NN402 construct=self-attribute
            correct += (logits.argmax(-1) == targets).sum().item()
            seen += targets.size(0)
        return correct / seen

    def fit(self):
        for epoch in range(self.epochs):
            train_loss = self._run_epoch(epoch)
            accuracy = self.evaluate()
            print(f"epoch {epoch} loss {train_loss:.4f} acc {accuracy:.3f}")
