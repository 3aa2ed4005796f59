"""Transfer learning on a small folder of images."""
import torch
import torchvision
from torch import nn


def build(num_classes, lr=1e-3):
    model = torchvision.models.vgg16(weights=torchvision.models.VGG16_Weights.DEFAULT)
    for p in model.features.parameters():
        p.requires_grad = False
    model.classifier[6] = nn.Linear(4096, num_classes)
    optimizer = torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=lr)
    return model, optimizer


class FineTuner:
    def __init__(self, loader, num_classes):
        self.loader = loader
        self.model = torchvision.models.resnet34(weights="IMAGENET1K_V1")
        self.model.fc = nn.Linear(self.model.fc.in_features, num_classes)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.001, momentum=0.9)
        self.criterion = nn.CrossEntropyLoss()

    def fit(self, epochs):
        self.model.train()
        for _ in range(epochs):
            for images, labels in self.loader:
                self.optimizer.zero_grad()
                loss = self.criterion(self.model(images), labels)
                loss.backward()
                self.optimizer.step()


def train_vgg(loader, num_classes, epochs=3):
    model, optimizer = build(num_classes)
    criterion = nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        for images, labels in loader:
            optimizer.zero_grad()
            criterion(model(images), labels).backward()
            optimizer.step()
