import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

from model import SpamClassifier
from trainer import Trainer


def parse_args():
    parser = argparse.ArgumentParser(description="spam classifier")
    parser.add_argument("--vocab-size", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=90)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--step-size", type=int, default=30)
    return parser.parse_args()


def main():
    args = parse_args()
    tokens = torch.randint(0, args.vocab_size, (10000, 40))
    labels = torch.randint(0, 2, (10000,))
    loader = DataLoader(TensorDataset(tokens, labels), batch_size=args.batch_size, shuffle=True)
    model = SpamClassifier(args.vocab_size)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=args.step_size, gamma=0.1)
    trainer = Trainer(model, optimizer, criterion=nn.BCEWithLogitsLoss(), scheduler=scheduler)
    trainer.train(loader, args.epochs)


if __name__ == "__main__":
    main()
