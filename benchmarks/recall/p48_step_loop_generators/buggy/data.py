import torch
from torch.utils.data import DataLoader, TensorDataset


def build_loaders(batch_size):
    x = torch.randn(8000, 32)
    y = torch.randint(0, 5, (8000,))
    train = DataLoader(TensorDataset(x[:7000], y[:7000]), batch_size=batch_size, num_workers=2)  # expect: NN101 construct=tuple-return,cross-file,wrapped-iterator
    val = DataLoader(TensorDataset(x[7000:], y[7000:]), batch_size=batch_size)
    return train, val


def forever(loader):
    while True:
        for batch in loader:
            yield batch
