"""A small CNN trained on random images, evaluated every epoch."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class SmallCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Linear(32, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def main():
    images = torch.randn(512, 3, 32, 32)
    labels = torch.randint(0, 10, (512,))
    train_loader = DataLoader(TensorDataset(images[:448], labels[:448]), batch_size=32, shuffle=True)
    val_loader = DataLoader(TensorDataset(images[448:], labels[448:]), batch_size=64)

    model = SmallCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.5)  # expect: NN414 construct=local-variable
    loss_fn = nn.CrossEntropyLoss()

    for epoch in range(5):
        model.train()
        for images_b, labels_b in train_loader:
            loss = loss_fn(model(images_b), labels_b)
            loss.backward()
            optimizer.step()  # expect: NN401 construct=local-variable
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)  # expect: NN408 construct=local-variable

        model.eval()
        total, correct = 0, 0
        for images_b, labels_b in val_loader:
            preds = model(images_b).argmax(1)  # expect: NN409 construct=local-variable
            correct += (preds == labels_b).sum().item()
            total += labels_b.numel()
        print(epoch, correct / total)


if __name__ == "__main__":
    main()
