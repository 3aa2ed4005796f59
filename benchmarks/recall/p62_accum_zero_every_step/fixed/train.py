from dataclasses import dataclass

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class TrainConfig:
    lr: float = 1e-3
    batch_size: int = 8
    accumulation_steps: int = 8
    epochs: int = 4


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(12, 64), nn.Tanh(), nn.Linear(64, 1))

    def forward(self, x):
        return self.body(x).squeeze(-1)


class Trainer:
    def __init__(self, cfg: TrainConfig):
        self.cfg = cfg
        data = TensorDataset(torch.randn(2048, 12), torch.randn(2048))
        self.loader = DataLoader(data, batch_size=cfg.batch_size, shuffle=True)
        self.model = Regressor()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=cfg.lr, momentum=0.9)
        self.loss_fn = nn.MSELoss()

    def _run_batch(self, x, y):
        loss = self.loss_fn(self.model(x), y) / self.cfg.accumulation_steps
        loss.backward()
        return loss.item()

    def fit(self):
        for epoch in range(self.cfg.epochs):
            self.model.train()
            for i, (x, y) in enumerate(self.loader):
                self._run_batch(x, y)
                if (i + 1) % self.cfg.accumulation_steps == 0:
                    self.optimizer.step()
                    self.optimizer.zero_grad()


if __name__ == "__main__":
    Trainer(TrainConfig()).fit()
