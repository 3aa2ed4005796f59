import pytorch_lightning as pl
import torch
import torch.nn as nn
import torch.nn.functional as F


class GAN(pl.LightningModule):
    def __init__(self, latent_dim=64, img_dim=784):
        super().__init__()
        self.automatic_optimization = False
        self.latent_dim = latent_dim
        self.generator = nn.Sequential(nn.Linear(latent_dim, 256), nn.LeakyReLU(0.2), nn.Linear(256, img_dim), nn.Tanh())
        self.discriminator = nn.Sequential(nn.Linear(img_dim, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))

    def training_step(self, batch, batch_idx):
        real, _ = batch
        real = real.view(real.size(0), -1)
        opt_g, opt_d = self.optimizers()
        z = torch.randn(real.size(0), self.latent_dim, device=self.device)

        fake = self.generator(z)
        g_loss = F.binary_cross_entropy_with_logits(self.discriminator(fake), torch.ones(real.size(0), 1, device=self.device))
        opt_g.zero_grad()
        self.manual_backward(g_loss)
        opt_g.step()

        real_logits = self.discriminator(real)
        fake_logits = self.discriminator(fake.detach())
        d_loss = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)) + \
            F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        self.manual_backward(d_loss)
        opt_d.step()  # expect: NN401 construct=lightning-hook,self-attribute
        self.log_dict({"g_loss": g_loss, "d_loss": d_loss}, prog_bar=True)

    def configure_optimizers(self):
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        return [opt_g, opt_d], []
