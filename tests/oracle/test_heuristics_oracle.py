"""Oracle: the lr heuristics LSL505 and the advisor suggest for mean losses.

These rules are approximations, so the tests check what each one actually promises: the linear
rule keeps the per-epoch SGD drift to first order in lr (the mismatch halves when lr halves), and
the square-root rule keeps the per-epoch Adam drift where gradient noise dominates (Adam divides
by sqrt(v) ~ sigma/sqrt(B), so its step grows like sqrt(B) and an epoch has N/B of them).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

from oracle_rig import (  # noqa: E402
    adam,
    cross_entropy,
    make_batches,
    norm_ratio,
    replicate,
    sgd,
    train,
)

from lossscale_lint.facts import scaling  # noqa: E402

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

DATASET, SMALL, LARGE = 256, 16, 64


def _epoch_updates(lr: float, new_lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One epoch in batches of SMALL at lr, and the same examples in batches of LARGE at new_lr."""
    small = make_batches(DATASET // SMALL, SMALL, seed=7)
    group = LARGE // SMALL
    large = [
        (torch.cat([x for x, _ in chunk]), torch.cat([y for _, y in chunk]))
        for chunk in (small[i:i + group] for i in range(0, len(small), group))
    ]
    before = train(small, sgd(lr), cross_entropy("mean"))
    after = train(large, sgd(new_lr), cross_entropy("mean"))
    return before.total_update, after.total_update


def _predicted_epoch_drift_factor(lr: float, new_lr: float) -> float:
    # per-step factor x lr change x change in steps per epoch
    return (
        scaling.step_factor("mean", "sgd", SMALL, LARGE)
        * (new_lr / lr)
        * scaling.steps_per_epoch(DATASET, LARGE)
        / scaling.steps_per_epoch(DATASET, SMALL)
    )


def _assert_first_order(errors: list[float]) -> None:
    """Errors measured at lr and lr/2: small, and halving with lr (exact to first order)."""
    assert errors[0] < 0.05
    assert errors[0] / errors[1] == pytest.approx(2.0, rel=0.1)


def test_linear_rule_keeps_the_epoch_drift_of_sgd_to_first_order_in_lr() -> None:
    errors = []
    for lr in (0.01, 0.005):
        new_lr = scaling.linear_scaling_lr(lr, SMALL, LARGE)
        assert scaling.suggested_lr(lr, "mean", "sgd", SMALL, LARGE) == (new_lr, "linear")
        assert _predicted_epoch_drift_factor(lr, new_lr) == 1.0
        before, after = _epoch_updates(lr, new_lr)
        errors.append(norm_ratio(after - before, before))
    _assert_first_order(errors)


def test_without_the_linear_rule_the_epoch_drift_shrinks_by_b_over_b_prime() -> None:
    errors = []
    for lr in (0.01, 0.005):
        before, after = _epoch_updates(lr, lr)
        predicted = _predicted_epoch_drift_factor(lr, lr)
        errors.append(abs(norm_ratio(after, before) / predicted - 1))
    _assert_first_order(errors)


def test_square_root_rule_step_factor_for_adam() -> None:
    batches = make_batches(1, 32)  # one step: after it the weights differ, and so do the gradients
    lr = 1e-3
    new_lr = scaling.sqrt_scaling_lr(lr, 32, 128)
    assert scaling.suggested_lr(lr, "mean", "adaptive", 32, 128) == (new_lr, "square-root")
    before = train(batches, adam(lr, eps=1e-16), cross_entropy("mean"))
    bigger = [replicate(b, 4) for b in batches]
    after = train(bigger, adam(new_lr, eps=1e-16), cross_entropy("mean"))
    # The step the advisor prints for Adam under this rule: step factor (1) x lr change.
    predicted = scaling.step_factor("mean", "adaptive", 32, 128) * new_lr / lr
    torch.testing.assert_close(after.update(), predicted * before.update(), rtol=1e-9, atol=1e-15)


def _adam_epoch_drift(examples: torch.Tensor, batch: int, lr: float) -> float:
    """Mean displacement after one Adam epoch on the linear loss w . x (gradient = batch mean of x).

    The loss has no curvature, so the drift depends only on how Adam normalises the gradient
    sequence, which is what the square-root rule is about.
    """
    weights = torch.zeros(examples.shape[1], dtype=examples.dtype, requires_grad=True)
    opt = torch.optim.Adam([weights], lr=lr)
    for rows in examples.split(batch):
        weights.grad = rows.mean(dim=0)
        opt.step()
    return -float(weights.detach().mean())


def test_square_root_rule_keeps_the_epoch_drift_of_adam_when_noise_dominates() -> None:
    generator = torch.Generator().manual_seed(0)
    # Mean gradient 0.02 under unit per-example noise: sigma^2/B >> mu^2 for B <= 64.
    examples = 0.02 + torch.randn(16384, 256, generator=generator, dtype=torch.float64)
    lr = 1e-3
    before = _adam_epoch_drift(examples, SMALL, lr)
    after = _adam_epoch_drift(examples, LARGE, scaling.sqrt_scaling_lr(lr, SMALL, LARGE))
    # Residual: the mu^2 share of v (~1.5 % at B=64) and sampling noise (~2 %).
    assert after / before == pytest.approx(1.0, rel=0.05)
    # Control: the linear rule would overshoot by sqrt(B'/B) = 2 here.
    linear = _adam_epoch_drift(examples, LARGE, scaling.linear_scaling_lr(lr, SMALL, LARGE))
    assert linear / before == pytest.approx(2.0, rel=0.05)
