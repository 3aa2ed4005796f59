from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class Config:
    lr: float = 3e-4
    micro_batch: int = 8
    accum_steps: int = 16
    epochs: int = 2


def train(cfg: Config):
    device = "cuda"
    data = TensorDataset(torch.randn(4096, 256), torch.randint(0, 100, (4096,)))
    loader = DataLoader(data, batch_size=cfg.micro_batch, shuffle=True)
    model = nn.Sequential(nn.Linear(256, 512), nn.GELU(), nn.Linear(512, 100)).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    scaler = torch.amp.GradScaler("cuda")
    criterion = nn.CrossEntropyLoss()
    for epoch in range(cfg.epochs):
        optimizer.zero_grad(set_to_none=True)
        for i, (x, y) in enumerate(loader):
            x, y = x.to(device), y.to(device)
            with torch.autocast("cuda", dtype=torch.bfloat16):
                loss = criterion(model(x), y) / cfg.accum_steps
            scaler.scale(loss).backward()
            if (i + 1) % cfg.accum_steps == 0:
                scaler.step(optimizer)
                scaler.update()
                optimizer.zero_grad(set_to_none=True)


if __name__ == "__main__":
    train(Config())
