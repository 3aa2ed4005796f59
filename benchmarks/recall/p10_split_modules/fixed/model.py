import torch.nn as nn


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ConvNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = conv_block(3, 32)
        self.stage = nn.Sequential(conv_block(32, 64), nn.MaxPool2d(2), conv_block(64, 128), nn.Dropout(0.25))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(128, num_classes)

    def forward(self, x):
        x = self.pool(self.stage(self.stem(x)))
        return self.fc(x.flatten(1))
