# %% [markdown]
# # Tabular classifier, exported from a notebook

# %%
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

# %%
X = np.random.rand(3000, 12).astype("float32")
Y = np.random.randint(0, 3, size=3000)
ds = TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
dl = DataLoader(ds, batch_size=50, shuffle=True)

# %%
net = nn.Sequential(
    nn.Linear(12, 48),
    nn.ReLU(),
    nn.Linear(48, 3),
)
loss_func = nn.CrossEntropyLoss()
opt = torch.optim.Adam(net.parameters(), lr=0.001)
sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)

# %%
history = []
for epoch in range(25):
    for xb, yb in dl:
        pred = net(xb)
        loss = loss_func(pred, yb)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_value_(net.parameters(), 0.5)
        opt.step()
    history.append(loss.item())
    sched.step()

# %%
net.eval()
with torch.no_grad():
    probs = net(torch.from_numpy(X[:10]))
probs.argmax(1)
