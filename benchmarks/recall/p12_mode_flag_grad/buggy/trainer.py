"""A tiny character-level model trainer in the run_epoch(split) style."""
import math

import torch
from torch.utils.data import DataLoader


class Trainer:
    def __init__(self, model, train_dataset, test_dataset, config):
        self.model = model
        self.train_dataset = train_dataset
        self.test_dataset = test_dataset
        self.config = config
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, betas=(0.9, 0.95))

    def run_epoch(self, split):
        is_train = split == "train"
        model, config = self.model, self.config
        model.train(is_train)
        data = self.train_dataset if is_train else self.test_dataset
        loader = DataLoader(data, shuffle=True, pin_memory=True, batch_size=config.batch_size)
        losses = []
        for it, (x, y) in enumerate(loader):
            logits, loss = model(x, y)  # expect: NN409 construct=mode-flag,self-attribute
            losses.append(loss.item())
            if is_train:
                model.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_norm_clip)
                self.optimizer.step()
        return float(sum(losses) / len(losses))

    def train(self):
        best = math.inf
        for epoch in range(self.config.max_epochs):
            self.run_epoch("train")
            if self.test_dataset is not None:
                test_loss = self.run_epoch("test")
                best = min(best, test_loss)
        return best
