import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from layers import Classifier

device = "cuda" if torch.cuda.is_available() else "cpu"
tokens = torch.randint(0, 500, (2000, 40))
lengths = torch.randint(1, 41, (2000,))
labels = torch.randint(0, 5, (2000,))
loader = DataLoader(TensorDataset(tokens, lengths, labels), batch_size=64, shuffle=True)
model = Classifier(500).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
for epoch in range(5):
    model.train()
    for tok, lens, y in loader:
        tok, lens, y = tok.to(device), lens.to(device), y.to(device)
        optimizer.zero_grad()
        loss = criterion(model(tok, lens), y)
        loss.backward()
        optimizer.step()
