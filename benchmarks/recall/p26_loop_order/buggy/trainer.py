import torch
from torch import nn
from torch.optim.lr_scheduler import OneCycleLR


class Trainer:
    def __init__(self, model, loader, epochs=10):
        self.model = model
        self.loader = loader
        self.epochs = epochs
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
        self.scheduler = OneCycleLR(self.optimizer, max_lr=0.1, total_steps=epochs * len(loader))
        self.criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

    def _run_batch(self, x, y):
        loss = self.criterion(self.model(x), y)
        loss.backward()
        self.optimizer.zero_grad()  # expect: NN403 construct=self-attribute
        self.optimizer.step()
        self.scheduler.step()
        return loss.item()

    def fit(self):
        for epoch in range(self.epochs):
            self.model.train()
            losses = [self._run_batch(x, y) for x, y in self.loader]
            print(epoch, sum(losses) / len(losses))


def warmup(model, loader, steps=100):
    """A short warm-up with a separate optimizer and a linear schedule."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    scheduler = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=steps)
    criterion = nn.CrossEntropyLoss()
    model.train()
    for step, (x, y) in zip(range(steps), loader):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        scheduler.step()  # expect: NN406 construct=local-variable,wrapped-iterator
        loss.backward()
        optimizer.step()
