import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

latent = 16
G = nn.Sequential(nn.Linear(latent, 64), nn.ReLU(), nn.Linear(64, 2))
D = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))
opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
real_points = torch.randn(10_000, 2) * 0.5 + 2.0
loader = DataLoader(TensorDataset(real_points), batch_size=128, shuffle=True)

for epoch in range(50):
    for (real,) in loader:
        b = real.size(0)
        ones, zeros = torch.ones(b, 1), torch.zeros(b, 1)

        opt_d.zero_grad()
        fake = G(torch.randn(b, latent))
        d_loss = bce(D(real), ones) + bce(D(fake.detach()), zeros)
        d_loss.backward()
        opt_d.step()

        opt_g.zero_grad()
        g_loss = bce(D(fake), ones)
        g_loss.backward()
        opt_g.step()
    print(epoch, d_loss.item(), g_loss.item())
