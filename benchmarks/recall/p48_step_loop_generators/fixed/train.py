import torch
import torch.nn.functional as F

from data import build_loaders, forever
from engine import Evaluator
from model import MultiTaskNet


def main(max_steps=2000, eval_every=500):
    train_loader, val_loader = build_loaders(batch_size=128)
    model = MultiTaskNet(32, {"main": 5})
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    evaluator = Evaluator(model, val_loader)
    batches = forever(train_loader)
    model.train()
    for step in range(max_steps):
        x, y = next(batches)
        loss = F.cross_entropy(model(x)["main"], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % eval_every == 0:
            print(step, loss.item(), evaluator.run())


if __name__ == "__main__":
    main()
