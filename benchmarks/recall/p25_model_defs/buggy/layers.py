import torch
import torch.nn.functional as F
from torch import nn


class ScaledResidual(nn.Module):
    def __init__(self, dim, p=0.1):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.scale = torch.ones(dim, requires_grad=True)  # expect: NN314 construct=local-variable
        self.p = p

    def forward(self, x):
        h = F.dropout(F.gelu(self.fc(x)), p=self.p)  # expect: NN411 construct=functional
        return x + self.scale * h


class MaskedPool(nn.Module):
    def forward(self, x, lengths):
        positions = torch.arange(x.size(1))  # expect: NN318 construct=cross-file
        mask = positions[None, :] < lengths[:, None]
        return (x * mask[..., None]).sum(1) / lengths[:, None].clamp(min=1)


class Classifier(nn.Module):
    def __init__(self, vocab, dim=64, depth=3, num_classes=5):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.blocks = nn.Sequential(*[ScaledResidual(dim) for _ in range(depth)])
        self.pool = MaskedPool()
        self.out = nn.Sequential(nn.Linear(dim, num_classes), nn.ReLU())
        self.apply(self._init)

    @staticmethod
    def _init(module):
        if isinstance(module, nn.Linear):
            nn.init.constant_(module.weight, 0.01)  # expect: NN313 construct=helper-function
            nn.init.zeros_(module.bias)

    def forward(self, tokens, lengths):
        return self.out(self.pool(self.blocks(self.embed(tokens)), lengths))
