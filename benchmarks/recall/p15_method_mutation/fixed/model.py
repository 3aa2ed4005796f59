"""A backbone with a replaceable classification head."""
from torch import nn


class Backbone(nn.Module):
    def __init__(self, width=64, num_classes=1000):
        super().__init__()
        self.width = width
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 7, stride=2, padding=3), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.classifier = nn.Linear(width, num_classes)

    def reset_classifier(self, num_classes):
        """Swap the head for a new task (weights of the backbone are kept)."""
        self.classifier = nn.Linear(self.width, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))
