import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

from model import RNNModel, repackage_hidden

BPTT = 35
BATCH = 20


class Chunks(Dataset):
    """Consecutive (input, target) windows of a token stream, batch-first."""

    def __init__(self, stream):
        self.stream = stream

    def __len__(self):
        return (len(self.stream) - 1) // BPTT

    def __getitem__(self, i):
        start = i * BPTT
        return self.stream[start:start + BPTT], self.stream[start + 1:start + 1 + BPTT]


def train(model, loader, optimizer, ntokens):
    criterion = nn.CrossEntropyLoss()
    model.train()
    hidden = model.init_hidden(BATCH)
    for data, targets in loader:
        optimizer.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(data, hidden)
        loss = criterion(output.reshape(-1, ntokens), targets.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        optimizer.step()


def main():
    ntokens = 10_000
    stream = torch.randint(0, ntokens, (200_000,))
    loader = DataLoader(Chunks(stream), batch_size=BATCH, drop_last=True)
    model = RNNModel(ntokens)
    optimizer = torch.optim.SGD(model.parameters(), lr=20.0)
    for epoch in range(40):
        train(model, loader, optimizer, ntokens)


if __name__ == "__main__":
    main()
