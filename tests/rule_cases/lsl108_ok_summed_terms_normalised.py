# expect: nothing
import torch
import torch.nn.functional as F
from torch import nn

batch_size = 64
encoder = nn.Linear(784, 40)
decoder = nn.Linear(20, 784)
optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-3)
beta = 4.0


def summed_then_divided(loader):
    for x, _ in loader:
        mu, logvar = encoder(x).chunk(2, dim=1)
        recon = decoder(mu)
        recons_loss = F.mse_loss(recon, x)
        # A KL summed over the batch, divided by B: the per-sample mean, like the reconstruction.
        kld = -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp())
        loss = recons_loss + kld / x.size(0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def constant_beta(loader):
    for x, _ in loader:
        mu, logvar = encoder(x).chunk(2, dim=1)
        recon = decoder(mu)
        recons_loss = F.mse_loss(recon, x)
        kld_loss = torch.mean(-0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp(), dim=1), dim=0)
        loss = recons_loss + beta * kld_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def both_summed_over_b(loader):
    for x, _ in loader:
        mu, logvar = encoder(x).chunk(2, dim=1)
        recon = decoder(mu)
        recons = F.mse_loss(recon, x, reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp())
        loss = (recons + kld) / batch_size
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
