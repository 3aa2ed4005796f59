import torch
import torch.nn.functional as F
from torch import nn

x = torch.randn(1000, 8)
is_pos = (x[:, 0] > 0).float()
kind = torch.randint(0, 4, (1000,))

binary = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
multi = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
optimizer = torch.optim.Adam(list(binary.parameters()) + list(multi.parameters()), lr=1e-3)
bce = nn.BCELoss()

for step in range(200):
    optimizer.zero_grad()
    logit = binary(x).squeeze(1)
    loss = bce(logit, is_pos) + F.cross_entropy(multi(x), kind)  # expect: NN303 construct=local-variable
    loss.backward()
    optimizer.step()

with torch.no_grad():
    logit = binary(x).squeeze(1)
    predicted_pos = logit > 0.5  # expect: NN418 construct=local-variable
    class_probs = F.softmax(multi(x), dim=0)  # expect: NN306 construct=local-variable
    print(predicted_pos.float().mean().item(), class_probs.argmax(1)[:10])
