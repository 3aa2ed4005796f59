"""torchrun --nproc_per_node=4 train_ddp.py"""
import os

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


def make_model():
    return nn.Sequential(nn.Linear(128, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, 10))


def validate(model, loader, device):
    model.eval()
    correct = torch.zeros(1, device=device)
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            correct += (model(x).argmax(1) == y).sum()
    dist.all_reduce(correct)
    return correct.item()


def main():
    dist.init_process_group("nccl")
    rank = int(os.environ["LOCAL_RANK"])
    device = torch.device("cuda", rank)
    torch.cuda.set_device(device)

    train_set = TensorDataset(torch.randn(50_000, 128), torch.randint(0, 10, (50_000,)))
    val_set = TensorDataset(torch.randn(5_000, 128), torch.randint(0, 10, (5_000,)))
    train_sampler = DistributedSampler(train_set, shuffle=True)
    train_loader = DataLoader(train_set, batch_size=256, sampler=train_sampler, num_workers=4)
    val_loader = DataLoader(val_set, batch_size=512, sampler=DistributedSampler(val_set, shuffle=False))

    model = DDP(make_model().to(device), device_ids=[rank])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(20):
        train_sampler.set_epoch(epoch)
        model.train()
        for x, y in train_loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
        correct = validate(model, val_loader, device)
        if rank == 0:
            print(f"epoch {epoch}: {correct / len(val_set):.3f}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
