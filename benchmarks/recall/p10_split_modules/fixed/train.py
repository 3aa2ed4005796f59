import torch
import torch.nn as nn

from data import get_loaders
from engine import evaluate, train_one_epoch
from model import ConvNet


def main():
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_loader, val_loader = get_loaders()
    model = ConvNet().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=30)
    for epoch in range(30):
        loss = train_one_epoch(model, train_loader, criterion, optimizer, device, epoch)
        acc = evaluate(model, val_loader, device)
        scheduler.step()
        print(f"epoch {epoch} loss {loss:.3f} val acc {acc:.3f}")


if __name__ == "__main__":
    main()
