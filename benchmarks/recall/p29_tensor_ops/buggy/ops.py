import torch
from torch import nn


def standardize(features):
    """Zero mean, unit variance per feature over the batch."""
    mean = features.mean(dim=0, keepdim=True)
    std = features.std(dim=0, keepdim=True)
    return (features - mean) / std  # expect: NN413 construct=helper-function


class PatchEmbed(nn.Module):
    def __init__(self, patch=16, dim=192):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, stride=patch)

    def forward(self, images):
        x = self.proj(images)
        b, c, h, w = x.shape
        return x.reshape(b, h * w, c)  # expect: NN307 construct=local-variable
