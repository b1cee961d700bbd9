"""Oracle: coupled weight decay under a summed loss (LSL102, LSL503) and decoupled AdamW decay."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

import torch.nn.functional as F  # noqa: E402
from oracle_rig import (  # noqa: E402
    DTYPE,
    adamw,
    adamw_decay_exponent,
    assert_same_trajectory,
    cross_entropy,
    make_batches,
    make_data,
    norm_ratio,
    regularization_to_data_ratio,
    replicate,
    sgd,
    train,
)

from lossscale_lint.facts import scaling  # noqa: E402

pytestmark = [pytest.mark.oracle, pytest.mark.slow]


def test_sum_with_weight_decay_equals_mean_with_decay_over_b() -> None:
    # sum + wd at lr/B  ==  mean + wd/B at lr, step for step, with momentum.
    batch, lr, wd = 16, 0.1, 0.05
    batches = make_batches(5, batch)
    summed = train(
        batches,
        sgd(scaling.lr_compensating_reduction_change(lr, "mean", "sum", batch), 0.9, wd),
        cross_entropy("sum"),
    )
    effective = scaling.effective_regularization_weight(wd, "sum", batch)
    averaged = train(batches, sgd(lr, 0.9, effective), cross_entropy("mean"))
    assert_same_trajectory(summed, averaged)
    # Control: the same decay on the mean loss is a different (B times stronger) regularizer.
    naive = train(batches, sgd(lr, 0.9, wd), cross_entropy("mean"))
    assert not torch.allclose(naive.parameters[-1], summed.parameters[-1], rtol=1e-6)


@pytest.mark.parametrize("batch", [8, 32])
def test_gradient_descent_on_a_summed_loss_converges_to_ridge_with_decay_over_b(batch: int) -> None:
    # Linear least squares, so the regularised optimum has a closed form to compare with.
    inputs, _ = make_data(batch, seed=3)
    targets = inputs @ torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=DTYPE) + 0.3
    model = torch.nn.Linear(inputs.shape[1], 1).to(DTYPE)
    wd = 4.0
    design = torch.cat([inputs, torch.ones(batch, 1, dtype=DTYPE)], dim=1)  # bias is decayed too
    curvature = torch.linalg.eigvalsh(2 * design.T @ design).max() + wd
    opt = torch.optim.SGD(model.parameters(), lr=float(1 / curvature), weight_decay=wd)
    for _ in range(3000):
        opt.zero_grad()
        # The summed loss with coupled decay is the point of this test, not a mistake.
        summed = F.mse_loss(model(inputs)[:, 0], targets, reduction="sum")  # noqa: LSL101, LSL102
        summed.backward()
        opt.step()
    reached = torch.cat([model.weight.detach().reshape(-1), model.bias.detach()])

    def ridge(alpha: float) -> torch.Tensor:
        # argmin of mean((Xw - y)^2) + alpha/2 |w|^2: torch's coupled decay alpha on a mean loss
        gram = 2 / batch * design.T @ design + alpha * torch.eye(design.shape[1], dtype=DTYPE)
        return torch.linalg.solve(gram, 2 / batch * design.T @ targets)

    alpha = scaling.effective_regularization_weight(wd, "sum", batch)
    torch.testing.assert_close(reached, ridge(alpha), rtol=1e-8, atol=1e-10)
    assert norm_ratio(reached - ridge(wd), ridge(wd)) > 0.1  # not ridge with the nominal wd


@pytest.mark.parametrize(
    ("reduction", "old", "new"),
    [
        ("sum", (32, 0.1), (64, 0.05)),  # the example: B doubled, lr halved
        ("sum", (32, 0.1), (128, 0.1)),
        ("mean", (32, 0.1), (64, 0.2)),
    ],
)
def test_regularization_factor_and_the_weight_decay_that_keeps_it(
    reduction: str, old: tuple[int, float], new: tuple[int, float]
) -> None:
    (old_batch, old_lr), (new_batch, new_lr) = old, new
    base = make_batches(1, old_batch)[0]
    bigger = replicate(base, new_batch // old_batch)
    wd = 0.01
    before = regularization_to_data_ratio(base, old_lr, wd, reduction)
    after = regularization_to_data_ratio(bigger, new_lr, wd, reduction)
    args = ("coupled", reduction, old_batch, new_batch, old_lr, new_lr)
    assert after / before == pytest.approx(scaling.regularization_factor(*args), rel=1e-8)
    kept_wd = scaling.weight_decay_keeping_regularization(wd, *args)
    kept = regularization_to_data_ratio(bigger, new_lr, kept_wd, reduction)
    assert kept == pytest.approx(before, rel=1e-8)


def test_adamw_decays_each_weight_by_lr_times_wd_per_step() -> None:
    lr, wd = 0.01, 0.3
    batches = make_batches(1, 16)
    decayed = train(batches, adamw(lr, wd), cross_entropy("mean"))
    plain = train(batches, adamw(lr, 0.0), cross_entropy("mean"))
    # The decay acts on the weights before the (identical) Adam step: difference = -lr*wd*w0.
    measured = (plain.parameters[1] - decayed.parameters[1]) / decayed.parameters[0]
    torch.testing.assert_close(
        measured, torch.full_like(measured, scaling.decay_per_step(lr, wd)), rtol=1e-9, atol=0
    )


def test_adamw_decay_per_epoch_and_its_factor_under_batch_and_lr_changes() -> None:
    dataset, lr, wd = 256, 1e-3, 0.1
    # The first-order exponent (N/B)*lr*wd is exact up to lr*wd/2 = 5e-5 relative here.
    for batch in (32, 64):
        measured = adamw_decay_exponent(lr, wd, scaling.steps_per_epoch(dataset, batch))
        assert measured == pytest.approx(scaling.decay_per_epoch(lr, wd, dataset, batch), rel=1e-4)
    before = adamw_decay_exponent(lr, wd, scaling.steps_per_epoch(dataset, 32))
    after = adamw_decay_exponent(lr / 2, wd, scaling.steps_per_epoch(dataset, 64))
    factor = scaling.regularization_factor("decoupled", "mean", 32, 64, lr, lr / 2)
    assert after / before == pytest.approx(factor, rel=1e-4)
    kept_wd = scaling.weight_decay_keeping_regularization(
        wd, "decoupled", "mean", 32, 64, lr, lr / 2
    )
    kept = adamw_decay_exponent(lr / 2, kept_wd, scaling.steps_per_epoch(dataset, 64))
    assert kept == pytest.approx(before, rel=1e-4)


def test_adamw_weights_shrink_by_1_over_e_after_tau_epochs() -> None:
    dataset, batch, lr, wd = 256, 32, 0.01, 0.5
    tau = scaling.decay_timescale_epochs(lr, wd, dataset, batch)
    steps = round(tau * scaling.steps_per_epoch(dataset, batch))
    # (1 - lr*wd)^steps vs exp(-1): off by lr*wd/2 = 0.25 % at these values.
    assert math.exp(-adamw_decay_exponent(lr, wd, steps)) == pytest.approx(math.exp(-1), rel=5e-3)
