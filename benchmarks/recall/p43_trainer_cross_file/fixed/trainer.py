import torch
import torch.nn.functional as F


class Trainer:
    def __init__(self, model, train_data, val_data, optimizer, max_epochs=10):
        self.model = model
        self.train_data = train_data
        self.val_data = val_data
        self.optimizer = optimizer
        self.max_epochs = max_epochs

    def _run_batch(self, source, targets):
        self.optimizer.zero_grad()
        output = self.model(source)
        loss = F.cross_entropy(output, targets)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def _run_epoch(self, epoch):
        self.model.train()
        total = 0.0
        for source, targets in self.train_data:
            total += self._run_batch(source, targets)
        return total / len(self.train_data)

    @torch.no_grad()
    def _validate(self):
        self.model.eval()
        correct = 0
        seen = 0
        for source, targets in self.val_data:
            preds = self.model(source).argmax(dim=1)
            correct += (preds == targets).sum().item()
            seen += targets.numel()
        return correct / seen

    def fit(self):
        for epoch in range(self.max_epochs):
            loss = self._run_epoch(epoch)
            acc = self._validate()
            print(f"epoch {epoch}: train loss {loss:.4f}, val acc {acc:.3f}")
