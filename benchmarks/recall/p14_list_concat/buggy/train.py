import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from model import Encoder

tokens = torch.randint(0, 1000, (800, 24))
intents = torch.randint(0, 3, (800,))
slots = torch.randint(0, 2, (800, 24))
loader = DataLoader(TensorDataset(tokens, intents, slots), batch_size=16, shuffle=True)
model = Encoder(1000)
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4)
for epoch in range(3):
    for tok, intent, slot in loader:
        intent_logits, slot_logits = model(tok)
        loss = F.cross_entropy(intent_logits, intent) + F.cross_entropy(slot_logits.transpose(1, 2), slot)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
