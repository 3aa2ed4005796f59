import argparse
import math

import torch
import torch.nn as nn
from accelerate import Accelerator
from torch.utils.data import DataLoader, TensorDataset
from transformers import get_scheduler


class MLP(nn.Module):
    def __init__(self, d_in, d_hidden, n_out):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, d_hidden), nn.GELU(), nn.Dropout(0.1), nn.Linear(d_hidden, n_out))

    def forward(self, x):
        return self.net(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--learning_rate", type=float, default=5e-4)
    parser.add_argument("--num_train_epochs", type=int, default=3)
    parser.add_argument("--gradient_accumulation_steps", type=int, default=8)
    parser.add_argument("--num_warmup_steps", type=int, default=0)
    args = parser.parse_args()

    accelerator = Accelerator()
    x, y = torch.randn(8192, 64), torch.randint(0, 4, (8192,))
    train_dataloader = DataLoader(TensorDataset(x[:8000], y[:8000]), batch_size=16, shuffle=True)
    eval_dataloader = DataLoader(TensorDataset(x[8000:], y[8000:]), batch_size=64)
    model = MLP(64, 512, 4)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    num_update_steps_per_epoch = math.ceil(len(train_dataloader) / args.gradient_accumulation_steps)
    max_train_steps = args.num_train_epochs * num_update_steps_per_epoch
    lr_scheduler = get_scheduler("linear", optimizer=optimizer, num_warmup_steps=args.num_warmup_steps,
                                 num_training_steps=max_train_steps)
    model, optimizer, train_dataloader, eval_dataloader = accelerator.prepare(model, optimizer, train_dataloader, eval_dataloader)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(args.num_train_epochs):
        model.train()
        for step, (inputs, labels) in enumerate(train_dataloader):
            loss = criterion(model(inputs), labels) / args.gradient_accumulation_steps
            accelerator.backward(loss)
            if step % args.gradient_accumulation_steps == 0 or step == len(train_dataloader) - 1:
                optimizer.step()
                lr_scheduler.step()
                optimizer.zero_grad()
        model.eval()
        losses = []
        with torch.no_grad():
            for inputs, labels in eval_dataloader:
                losses.append(criterion(model(inputs), labels).item())
        accelerator.print(epoch, sum(losses) / len(losses))


if __name__ == "__main__":
    main()
