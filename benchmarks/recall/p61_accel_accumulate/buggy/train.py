import argparse

import torch
import torch.nn as nn
from accelerate import Accelerator
from torch.utils.data import DataLoader, TensorDataset


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.8)  # expect: NN414 construct=argparse,accelerate-api
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--gradient_accumulation_steps", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--mixed_precision", default="fp16")
    return parser.parse_args()


def get_loaders(batch_size):
    x, y = torch.randn(6000, 40), torch.randint(0, 3, (6000,))
    train = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=batch_size)  # expect: NN101 construct=tuple-return,helper-function,accelerate-api
    valid = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=batch_size)
    return train, valid


def main():
    args = parse_args()
    accelerator = Accelerator(gradient_accumulation_steps=args.gradient_accumulation_steps, mixed_precision=args.mixed_precision)
    train_loader, valid_loader = get_loaders(args.batch_size)
    model = nn.Sequential(nn.Linear(40, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.CrossEntropyLoss()
    model, optimizer, train_loader, valid_loader = accelerator.prepare(model, optimizer, train_loader, valid_loader)
    for epoch in range(args.epochs):
        model.train()
        for x, y in train_loader:
            with accelerator.accumulate(model):
                loss = criterion(model(x), y)
                accelerator.backward(loss)
                optimizer.step()
                accelerator.clip_grad_norm_(model.parameters(), 1.0)  # expect: NN408 construct=accelerate-api
                optimizer.zero_grad()
        model.eval()
        with torch.no_grad():
            accuracy = sum((model(x).argmax(1) == y).float().mean().item() for x, y in valid_loader)
        accelerator.print(epoch, accuracy)


if __name__ == "__main__":
    main()
