"""Datasets and loaders."""
import torch
from torch.utils.data import DataLoader, Dataset


class SyntheticImages(Dataset):
    def __init__(self, n, num_classes=10, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.images = torch.randn(n, 3, 32, 32, generator=g)
        self.labels = torch.arange(n) % num_classes  # stored sorted by class blocks

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.images[i], self.labels[i]


def get_loaders(batch_size=64, workers=4):
    train_set = SyntheticImages(5000)
    val_set = SyntheticImages(1000, seed=1)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=workers, pin_memory=True)
    val_loader = DataLoader(val_set, batch_size=batch_size, num_workers=workers)
    return train_loader, val_loader
