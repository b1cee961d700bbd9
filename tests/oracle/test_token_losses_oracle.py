"""Oracle for LSL106 and LSL203, with real torch.

LSL106: `loss_none.mean()` of a CrossEntropy with ignored targets is `loss_mean * n_valid / n_total`,
with class weights `loss_mean * sum(w[y]) / n` (both: the weights of the valid targets), and so is
its gradient: the factors the message prints.

LSL203: with micro-batches of 3 and 50 valid tokens, the mean of the micro-batch token means
divided by K is not the full-batch token mean gradient; summing over tokens and dividing by the
window's token count is, to 1e-7.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

from lossscale_lint.config.options import AnalysisOptions  # noqa: E402
from lossscale_lint.pipeline.linting import lint_text  # noqa: E402

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

F = torch.nn.functional
CLASSES = 7
IGNORE = -100


def targets(n: int, ignored: int, generator) -> torch.Tensor:
    y = torch.randint(0, CLASSES, (n,), generator=generator)
    y[:ignored] = IGNORE
    return y


def logits_and_grad(loss_of, logits):
    logits = logits.clone().requires_grad_(True)
    loss = loss_of(logits)
    (grad,) = torch.autograd.grad(loss, logits)
    return loss.detach(), grad


@pytest.mark.parametrize("ignored", [0, 5, 20])
def test_none_mean_is_the_mean_times_valid_over_all(ignored):
    generator = torch.Generator().manual_seed(ignored)
    logits = torch.randn(32, CLASSES, generator=generator, dtype=torch.float64)
    y = targets(32, ignored, generator)
    mean, mean_grad = logits_and_grad(lambda z: F.cross_entropy(z, y), logits)
    none, none_grad = logits_and_grad(lambda z: F.cross_entropy(z, y, reduction="none").mean(), logits)
    ratio = (y != IGNORE).sum().item() / y.numel()
    torch.testing.assert_close(none, mean * ratio, rtol=1e-12, atol=0)
    torch.testing.assert_close(none_grad, mean_grad * ratio, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("ignored", [0, 6])
def test_with_class_weights_the_factor_is_the_summed_weights_over_the_count(ignored):
    generator = torch.Generator().manual_seed(1)
    weight = torch.rand(CLASSES, generator=generator, dtype=torch.float64) * 4
    logits = torch.randn(24, CLASSES, generator=generator, dtype=torch.float64)
    y = targets(24, ignored, generator)
    valid = y != IGNORE
    mean, mean_grad = logits_and_grad(lambda z: F.cross_entropy(z, y, weight=weight), logits)
    none, none_grad = logits_and_grad(lambda z: F.cross_entropy(z, y, weight=weight, reduction="none").mean(), logits)
    ratio = (weight[y[valid]].sum() / y.numel()).item()  # sum(w[y]) / n over the valid targets
    torch.testing.assert_close(none, mean * ratio, rtol=1e-12, atol=0)
    torch.testing.assert_close(none_grad, mean_grad * ratio, rtol=1e-12, atol=1e-15)


def test_the_padding_changes_the_factor_batch_to_batch():
    generator = torch.Generator().manual_seed(2)
    logits = torch.randn(40, CLASSES, generator=generator, dtype=torch.float64)
    factors = []
    for ignored in (0, 30):
        y = targets(40, ignored, generator)
        mean = F.cross_entropy(logits, y)
        factors.append((F.cross_entropy(logits, y, reduction="none").mean() / mean).item())
    assert factors[0] == pytest.approx(1.0) and factors[1] == pytest.approx(10 / 40)


# -- LSL203 --------------------------------------------------------------------------------------

def micro_batches(lengths=(3, 50), total=50):
    """Micro-batches of `total` positions, the first `n_i` of each a valid token (the rest padding)."""
    generator = torch.Generator().manual_seed(4)
    batches = []
    for n in lengths:
        hidden = torch.randn(total, 12, generator=generator, dtype=torch.float64)
        y = targets(total, total - n, generator).flip(0)  # valid tokens first
        batches.append((hidden, y))
    return batches


def gradient(recipe) -> torch.Tensor:
    torch.manual_seed(0)
    decoder = torch.nn.Linear(12, CLASSES, dtype=torch.float64)
    recipe(decoder)
    return decoder.weight.grad.detach().clone()


def full_batch(decoder):
    hidden = torch.cat([h for h, _ in micro_batches()])
    y = torch.cat([t for _, t in micro_batches()])
    F.cross_entropy(decoder(hidden), y, ignore_index=IGNORE).backward()


def mean_of_means(decoder):
    batches = micro_batches()
    for hidden, y in batches:
        (F.cross_entropy(decoder(hidden), y, ignore_index=IGNORE) / len(batches)).backward()


def sum_over_window_tokens(decoder):
    batches = micro_batches()
    window_tokens = sum(int((y != IGNORE).sum()) for _, y in batches)
    for hidden, y in batches:
        (F.cross_entropy(decoder(hidden), y, ignore_index=IGNORE, reduction="sum") / window_tokens).backward()


def test_the_counts_are_3_and_50():
    assert [int((y != IGNORE).sum()) for _, y in micro_batches()] == [3, 50]


def test_the_mean_of_micro_batch_means_is_not_the_full_batch_gradient():
    full, accumulated = gradient(full_batch), gradient(mean_of_means)
    assert (accumulated - full).norm() > 0.1 * full.norm()


def test_each_micro_batch_is_weighted_one_over_k_instead_of_its_token_share():
    """accumulated = sum_i (1/K) g_i and full = sum_i (n_i/N) g_i, g_i the micro-batch mean gradient."""
    means = []
    for hidden, y in micro_batches():
        means.append(gradient(lambda d, h=hidden, t=y: F.cross_entropy(d(h), t, ignore_index=IGNORE).backward()))
    n = torch.tensor([3.0, 50.0], dtype=torch.float64)
    k = len(means)
    full = sum(w * g for w, g in zip(n / n.sum(), means))
    accumulated = sum(g / k for g in means)
    torch.testing.assert_close(gradient(full_batch), full, rtol=1e-7, atol=1e-9)
    torch.testing.assert_close(gradient(mean_of_means), accumulated, rtol=1e-7, atol=1e-9)
    # relative to the full batch, micro-batch i's tokens count mean(n) / n_i
    assert (1 / k) / (n / n.sum()).tolist()[0] == pytest.approx(n.mean().item() / 3)


def test_summing_and_dividing_by_the_window_tokens_is_the_full_batch_gradient():
    torch.testing.assert_close(gradient(sum_over_window_tokens), gradient(full_batch), rtol=1e-7, atol=1e-9)


# -- the linter reports the two rules on the pages' kind of code ---------------------------------

def test_the_messages_state_the_factors():
    lsl106 = (
        "import torch\nimport torch.nn.functional as F\nmodel = torch.nn.Linear(4, 3)\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nfor x, y in []:\n"
        "    F.cross_entropy(model(x), y, reduction='none', ignore_index=-100).mean().backward()\n"
        "    opt.step()\n"
    )
    (found,) = [d for d in lint_text(lsl106, "t.py", AnalysisOptions()) if d.code == "LSL106"]
    assert "(valid targets) / (all targets)" in found.factor
