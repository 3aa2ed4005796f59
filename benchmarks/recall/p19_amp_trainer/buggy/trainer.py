import torch
from torch import nn


class AmpTrainer:
    def __init__(self, model, loader, max_norm=1.0, device="cuda"):
        self.model = model.to(device)
        self.loader = loader
        self.device = device
        self.max_norm = max_norm
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=2e-4)
        self.scaler = torch.cuda.amp.GradScaler()
        self.criterion = nn.CrossEntropyLoss()

    def _run_batch(self, inputs, targets):
        self.optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type="cuda", dtype=torch.float16):
            loss = self.criterion(self.model(inputs), targets)
        self.scaler.scale(loss).backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.max_norm)  # expect: NN408 construct=self-attribute
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return loss.detach()

    def train_epoch(self):
        self.model.train()
        losses = []
        for inputs, targets in self.loader:
            inputs, targets = inputs.to(self.device), targets.to(self.device)
            losses.append(self._run_batch(inputs, targets))
        return torch.stack(losses).mean().item()
