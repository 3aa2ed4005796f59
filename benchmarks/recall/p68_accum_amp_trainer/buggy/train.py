import torch
import torch.nn as nn
from torch.cuda.amp import autocast
from torch.utils.data import DataLoader


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 32, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        return self.fc(self.features(x))


class Trainer:
    def __init__(self, dataset, accum=4):
        self.loader = DataLoader(dataset, batch_size=32, shuffle=True, num_workers=4)
        self.model = ConvNet().cuda()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.05, momentum=0.9)
        self.criterion = nn.CrossEntropyLoss()
        self.accum = accum

    def train_epoch(self):
        self.model.train()
        for i, (images, targets) in enumerate(self.loader):
            images, targets = images.cuda(), targets.cuda()
            with autocast():  # expect: NN439 construct=self-attribute
                loss = self.criterion(self.model(images), targets) / self.accum
            loss.backward()
            if (i + 1) % self.accum == 0:
                self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)  # expect: NN433 construct=self-attribute


def run(dataset, epochs=30):
    trainer = Trainer(dataset)
    for _ in range(epochs):
        trainer.train_epoch()
