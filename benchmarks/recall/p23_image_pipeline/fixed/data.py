import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets

from transforms import eval_transform, train_transform


class NumpyImages(Dataset):
    """Images stored as uint8 arrays in one .npy file."""

    def __init__(self, path, labels, transform):
        self.images = np.load(path)
        self.labels = labels
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        image = self.transform(Image.fromarray(self.images[i]))
        return image, self.labels[i]


def loaders(root):
    train_set = datasets.ImageFolder(f"{root}/train", transform=train_transform)
    val_set = datasets.ImageFolder(f"{root}/val", transform=eval_transform)
    extra = NumpyImages(f"{root}/extra.npy", torch.zeros(100, dtype=torch.long), eval_transform)
    return (
        DataLoader(train_set, batch_size=64, shuffle=True, num_workers=8),
        DataLoader(val_set, batch_size=128, num_workers=8),
        DataLoader(extra, batch_size=128),
    )
