# %% setup
from types import SimpleNamespace

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

hp = SimpleNamespace(lr=2.0, momentum=0.9, batch_size=32, epochs=4, shuffle=False, p_drop=0.85)  # expect: NN414 construct=notebook  # expect: NN415 construct=notebook
device = "cuda" if torch.cuda.is_available() else "cpu"

# %% data
xs = torch.randn(4096, 16)
ys = torch.randint(0, 3, (4096,))
train_loader = DataLoader(TensorDataset(xs, ys), batch_size=hp.batch_size, shuffle=hp.shuffle)  # expect: NN101 construct=notebook,wrapped-iterator


def on_device(loader):
    for inputs, targets in loader:
        yield inputs.to(device), targets.to(device)


# %% model
class MultiHead(nn.Module):
    def __init__(self, dim=16, num_heads=3, num_classes=3):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(dim, 64), nn.ReLU(), nn.Dropout(hp.p_drop))
        self.heads = [nn.Linear(64, num_classes) for _ in range(num_heads)]  # expect: NN308 construct=notebook,list-concat

    def forward(self, x):
        h = self.trunk(x)
        return torch.stack([head(h) for head in self.heads]).mean(0)


model = MultiHead().to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=hp.lr, momentum=hp.momentum)
criterion = nn.CrossEntropyLoss()

# %% train
for epoch in range(hp.epochs):
    model.train()
    for inputs, targets in on_device(train_loader):
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
    print(epoch, loss.item())
