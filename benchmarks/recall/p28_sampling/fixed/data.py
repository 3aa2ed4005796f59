import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, WeightedRandomSampler


class NoisySignals(Dataset):
    def __init__(self, signals, labels):
        self.signals = signals
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        noise = np.random.default_rng(torch.randint(0, 2**31, ()).item()).normal(0.0, 0.05, size=self.signals[i].shape)
        return torch.as_tensor(self.signals[i] + noise, dtype=torch.float32), int(self.labels[i])


def make_loader(signals, labels, batch_size):
    dataset = NoisySignals(signals, labels)
    counts = np.bincount(labels)
    sample_weights = (1.0 / counts)[labels]
    sampler = WeightedRandomSampler(sample_weights, num_samples=len(labels), replacement=True)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=4)
