"""run_epoch(split): one function for the training and the test pass."""
import torch
from torch.utils.data import DataLoader


class Trainer:
    def __init__(self, model, train_dataset, test_dataset, config):
        self.model = model
        self.datasets = {"train": train_dataset, "test": test_dataset}
        self.config = config
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)

    def run_epoch(self, split):
        is_train = split == "train"
        loader = DataLoader(self.datasets[split], shuffle=is_train, batch_size=self.config.batch_size)
        total = 0.0
        for x, y in loader:
            with torch.set_grad_enabled(is_train):
                logits, loss = self.model(x, y)  # expect: NN402 construct=mode-flag,self-attribute
                total += loss.item()
            if is_train:
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
        return total / len(loader)

    def train(self):
        for epoch in range(self.config.max_epochs):
            train_loss = self.run_epoch("train")
            test_loss = self.run_epoch("test")
            print(epoch, train_loss, test_loss)
