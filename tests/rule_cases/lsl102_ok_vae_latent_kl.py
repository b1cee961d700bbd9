# expect: nothing
# A VAE's KL is between the encoder's posterior and the prior for each sample: summed over the
# batch it grows with B like the reconstruction term. Not a penalty of the weights.
import torch
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence

from vae_parts import Decoder, Encoder

encoder, decoder = Encoder(), Decoder()
params = list(encoder.parameters()) + list(decoder.parameters())
opt = torch.optim.Adam(params, lr=1e-3)


def train_step(x):
    mu, log_sigma = encoder(x)
    posterior = Normal(mu, log_sigma.exp())
    z = posterior.rsample()
    recon = F.binary_cross_entropy(decoder(z), x, reduction="sum")
    kl = kl_divergence(posterior, Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum()
    loss = recon + kl
    opt.zero_grad()
    loss.backward()
    opt.step()
