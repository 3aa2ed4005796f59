import torch
from torch import nn

criterion = nn.BCEWithLogitsLoss()


def train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = criterion(model(x), y)  # expect: NN304 construct=cross-file,helper-function
    loss.backward()
    optimizer.step()
    return loss.item()


@torch.no_grad()
def validate(model, loader):
    model.eval()
    hits = 0.0
    for x, y in loader:
        probs = model.forward(x)  # expect: NN312 construct=cross-file
        hits += ((probs > 0.5).float() == y).float().mean().item()
    return hits / len(loader)


def pretrain_head(model, loader, lr=1e-3):
    optimizer = torch.optim.SGD(model.out.parameters(), lr=lr)
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()  # expect: NN404 construct=local-variable
