import torch
from torch import nn


class ConvTagger(nn.Module):
    def __init__(self, vocab, dim=64, channels=(64, 64, 64)):
        super().__init__()
        self.dim = dim
        self.embed = nn.Embedding(vocab, dim)
        self.convs = nn.ModuleList()
        width = dim
        for c in channels:
            self.convs.append(nn.Conv1d(width, c, 3, padding=1))
            width = c
        self.norms = nn.ModuleList([nn.LayerNorm(c) for c in channels])
        self.out = nn.Linear(width, 9)

    def forward(self, tokens):
        x = self.embed(tokens).transpose(1, 2)
        for conv, norm in zip(self.convs, self.norms):
            x = torch.relu(norm(conv(x).transpose(1, 2)).transpose(1, 2))
        return self.out(x.transpose(1, 2))
