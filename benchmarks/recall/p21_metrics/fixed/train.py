import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from losses import accuracy_loss, total_loss
from metrics import batch_metrics, binary_hits

model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 4))
detector = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 1))
loader = DataLoader(TensorDataset(torch.randn(1000, 10), torch.randint(0, 4, (1000,))), batch_size=50, shuffle=True)
optimizer = torch.optim.Adam(list(model.parameters()) + list(detector.parameters()), lr=1e-3)
bce = nn.BCEWithLogitsLoss()
for epoch in range(5):
    for x, y in loader:
        logits = model(x)
        is_zero = (y == 0).float()
        score = detector(x).squeeze(1)
        loss = total_loss(logits, y) + 0.1 * accuracy_loss(logits, y) + bce(score, is_zero)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        stats = batch_metrics(logits, y)
        hits = binary_hits(score, is_zero.long())
