"""A small CNN for 28x28 digits (bundled demo for nnlint)."""

import torch.nn as nn


class DigitNet(nn.Module):
    def __init__(self, n_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.dropout = nn.Dropout(0.25)
        self.classifier = nn.Linear(16 * 14 * 14, n_classes)

    def forward(self, x):
        h = self.features(x).flatten(1)
        return self.classifier(self.dropout(h))
