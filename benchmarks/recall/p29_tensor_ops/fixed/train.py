import torch
from torch import nn

from ops import PatchEmbed, standardize


class TinyViT(nn.Module):
    def __init__(self, dim=192, num_classes=10):
        super().__init__()
        self.embed = PatchEmbed(dim=dim)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(dim, 3, batch_first=True), num_layers=2)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, images):
        return self.head(self.encoder(self.embed(images)).mean(1))


model = TinyViT()
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4)
for step in range(100):
    images = standardize(torch.rand(32, 3 * 64 * 64)).view(32, 3, 64, 64)
    labels = torch.randint(0, 10, (32,))
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
