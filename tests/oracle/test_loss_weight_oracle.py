"""Oracle for LSL108: a loss term's coefficient computed from the batch size reweights it against
the data term by (B'/B)^p when B changes to B'.

One sample replicated B times: every mean is the same for any B, so whatever changes between two
batch sizes is the coefficient. The gradient of each term is measured with real autograd.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")
F = torch.nn.functional

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

NUM_TRAIN = 1024


def vae(seed: int = 0):
    torch.manual_seed(seed)
    return (torch.nn.Linear(16, 8, dtype=torch.float64), torch.nn.Linear(4, 16, dtype=torch.float64))


def sample():
    return torch.randn(1, 16, generator=torch.Generator().manual_seed(5), dtype=torch.float64)


def vae_gradients(batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The encoder weight's gradient of the page's reconstruction term and of its weighted KL term."""
    x = sample().repeat(batch_size, 1)
    parts = []
    for part in ("recon", "kl"):
        encoder, decoder = vae()
        mu, logvar = encoder(x).chunk(2, dim=1)
        recon = decoder(mu)  # the mean of the posterior: no sampling noise
        recons_loss = F.mse_loss(recon, x)
        kld_loss = torch.mean(-0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp(), dim=1), dim=0)
        kld_weight = batch_size / NUM_TRAIN
        (recons_loss if part == "recon" else kld_weight * kld_loss).backward()
        parts.append(encoder.weight.grad.clone())
    return parts[0], parts[1]


@pytest.mark.parametrize(("b", "b_new"), [(32, 64), (64, 16)])
def test_kld_weight_from_batch_size_reweights_the_kl_term_by_b_ratio_to_the_power_one(b, b_new):
    recon, kl = vae_gradients(b)
    recon_new, kl_new = vae_gradients(b_new)
    torch.testing.assert_close(recon_new, recon, rtol=1e-12, atol=1e-15)  # the data term is unchanged
    torch.testing.assert_close(kl_new, (b_new / b) ** 1 * kl, rtol=1e-12, atol=1e-15)  # (B'/B)^1


def test_a_constant_beta_keeps_the_balance():
    def kl_gradient(batch_size: int) -> torch.Tensor:
        encoder, _ = vae()
        x = sample().repeat(batch_size, 1)
        mu, logvar = encoder(x).chunk(2, dim=1)
        (0.03 * torch.mean(-0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp(), dim=1), dim=0)).backward()
        return encoder.weight.grad.clone()

    torch.testing.assert_close(kl_gradient(64), kl_gradient(32), rtol=1e-12, atol=1e-15)


def pair_term(batch_size: int, reg: float = 0.1) -> float:
    """The weight `reg / (B * (B - 1))` puts on a similarity that is already a mean."""
    z = F.normalize(sample()[:, :8], dim=1).repeat(batch_size, 1)
    similarity = (z @ z.T).mean()
    return float(reg / (batch_size * (batch_size - 1)) * similarity)


def test_a_coefficient_over_b_times_b_minus_one_is_b_to_the_minus_two():
    similarity = float((F.normalize(sample()[:, :8], dim=1) @ F.normalize(sample()[:, :8], dim=1).T).mean())
    assert similarity == pytest.approx(1.0)  # the same mean for any B
    b, b_new = 32, 64
    ratio = pair_term(b_new) / pair_term(b)
    assert ratio == pytest.approx(b * (b - 1) / (b_new * (b_new - 1)), rel=1e-12)
    # B - 1 counted as B: the message's (B'/B)^-2, within (B - 1)/(B' - 1) of it, closer as B grows.
    assert ratio == pytest.approx((b_new / b) ** -2, rel=0.02)
    assert pair_term(2000) / pair_term(1000) == pytest.approx(0.25, rel=1e-3)
