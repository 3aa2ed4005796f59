import torch
from torch.utils.data import DataLoader, TensorDataset, random_split


def make_loaders(batch_size=128, num_workers=2):
    features = torch.randn(5000, 20)
    labels = (features[:, 0] > 0).long()
    full = TensorDataset(features, labels)
    train_set, val_set = random_split(full, [4000, 1000])
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=num_workers)
    val_loader = DataLoader(val_set, batch_size=batch_size, num_workers=num_workers)
    return train_loader, val_loader
