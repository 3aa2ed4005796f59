from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils.data import DataLoader


@dataclass
class TrainerConfig:
    epochs: int = 5
    lr: float = 1e-3
    loader_kwargs: dict = field(default_factory=lambda: {"batch_size": 32, "num_workers": 2, "drop_last": True})


class Trainer:
    def __init__(self, model, train_set, cfg: TrainerConfig):
        self.cfg = cfg
        self.model = model
        self.loader = DataLoader(train_set, **cfg.loader_kwargs)  # expect: NN101 construct=kwargs-unpack,dataclass-config,self-attribute
        self.optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        self.criterion = nn.CrossEntropyLoss()

    def grow_vocab(self, new_size):
        """Room for new tokens: a bigger embedding table."""
        self.model.embed = nn.Embedding(new_size, self.model.dim)  # expect: NN309 construct=method-mutation,self-attribute

    def _run_batch(self, tokens, tags):
        self.optimizer.zero_grad()
        logits = self.model(tokens)
        loss = self.criterion(logits.flatten(0, 1), tags.flatten())
        loss.backward()
        self.optimizer.step()

    def fit(self):
        self.model.train()
        for _ in range(self.cfg.epochs):
            for tokens, tags in self.loader:
                self._run_batch(tokens, tags)
