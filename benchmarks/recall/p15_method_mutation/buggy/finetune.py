import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from model import Backbone


def train(model, optimizer, loader, epochs=5):
    criterion = nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        for images, labels in loader:
            optimizer.zero_grad()
            criterion(model(images), labels).backward()
            optimizer.step()


def main(checkpoint="backbone.pt"):
    model = Backbone()
    model.load_state_dict(torch.load(checkpoint, map_location="cpu"))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.reset_classifier(num_classes=5)  # expect: NN309 construct=method-mutation,cross-file
    data = TensorDataset(torch.randn(256, 3, 64, 64), torch.randint(0, 5, (256,)))
    train(model, optimizer, DataLoader(data, batch_size=32, shuffle=True))


if __name__ == "__main__":
    main()
