import torch
from torch.utils.data import TensorDataset

from trainer import Trainer

if __name__ == "__main__":
    x = torch.randn(4096, 16)
    y = (x.sum(dim=1) > 0).long()
    Trainer(TensorDataset(x, y)).train()
