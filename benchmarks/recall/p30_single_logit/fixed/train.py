import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

from config import ModelConfig
from model import SentimentModel

cfg = ModelConfig()
reviews = torch.randint(1, cfg.vocab_size, (10_000, 64))
sentiment = torch.randint(0, 2, (10_000,))
loader = DataLoader(TensorDataset(reviews, sentiment), batch_size=128, shuffle=True)
model = SentimentModel(cfg)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(4):
    for tokens, target in loader:
        optimizer.zero_grad()
        loss = criterion(model(tokens), target)
        loss.backward()
        optimizer.step()
