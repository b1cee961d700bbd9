# expect: LSL108@20
import torch
import torch.nn.functional as F
from torch import nn

batch_size = 64
num_train = 60000
encoder = nn.Linear(784, 40)
decoder = nn.Linear(20, 784)
optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-3)


def train(loader):
    for x, _ in loader:
        mu, logvar = encoder(x).chunk(2, dim=1)
        recon = decoder(mu + torch.randn_like(mu) * (0.5 * logvar).exp())
        recons_loss = F.mse_loss(recon, x)
        kld_loss = torch.mean(-0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp(), dim=1), dim=0)
        kld_weight = batch_size / num_train  # grows with B: the KL term weighs B/N against the mean
        loss = recons_loss + kld_weight * kld_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
