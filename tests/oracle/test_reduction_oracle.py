"""Oracle: per-step factors of the reduction and the batch size, and the lr that compensates them.

Each test trains the tiny model with real torch.optim and compares a measured update with the
number lossscale_lint.facts.scaling prints (LSL101, LSL501, LSL502, the advisor's step factor).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

from oracle_rig import (  # noqa: E402
    adam,
    assert_same_trajectory,
    cross_entropy,
    make_batches,
    norm_ratio,
    replicate,
    sgd,
    train,
)

from lossscale_lint.facts import scaling  # noqa: E402

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

BATCH = 32
TINY_EPS = 1e-16


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_summed_loss_multiplies_the_first_sgd_step_by_the_batch_size(momentum: float) -> None:
    batches = make_batches(1, BATCH)
    mean_run = train(batches, sgd(0.1, momentum), cross_entropy("mean"))
    sum_run = train(batches, sgd(0.1, momentum), cross_entropy("sum"))
    predicted = scaling.reduction_change_factor("mean", "sum", BATCH)
    torch.testing.assert_close(sum_run.update(), predicted * mean_run.update(), rtol=1e-10, atol=0)


@pytest.mark.parametrize(
    ("reduction", "old_batch", "new_batch"),
    [("sum", 32, 128), ("sum", 64, 16), ("mean", 32, 128)],
)
def test_sgd_step_factor_for_a_batch_size_change(
    reduction: str, old_batch: int, new_batch: int
) -> None:
    # The new batch repeats the old examples, so only the loss scale differs (see replicate()).
    base = make_batches(1, min(old_batch, new_batch))[0]
    old = replicate(base, old_batch // len(base[1]))
    new = replicate(base, new_batch // len(base[1]))
    before = train([old], sgd(0.05), cross_entropy(reduction))
    after = train([new], sgd(0.05), cross_entropy(reduction))
    predicted = scaling.step_factor(reduction, "sgd", old_batch, new_batch)
    torch.testing.assert_close(after.update(), predicted * before.update(), rtol=1e-10, atol=1e-15)


def test_keep_the_step_lr_for_32_to_128_keeps_the_momentum_sgd_trajectory() -> None:
    old_batches = make_batches(6, 32)
    new_batches = [replicate(batch, 4) for batch in old_batches]
    lr = 0.01
    before = train(old_batches, sgd(lr, momentum=0.9), cross_entropy("sum"))
    suggested = scaling.lr_keeping_step(lr, 32, 128)
    after = train(new_batches, sgd(suggested, momentum=0.9), cross_entropy("sum"))
    assert_same_trajectory(before, after)
    # ...and the advisor names the same value for this case.
    assert scaling.suggested_lr(lr, "sum", "sgd", 32, 128) == (suggested, "keep-the-step")
    # Control: leaving lr alone does change the trajectory, by the printed factor on step one.
    unchanged = train(new_batches, sgd(lr, momentum=0.9), cross_entropy("sum"))
    assert norm_ratio(unchanged.update(), before.update()) == pytest.approx(
        scaling.step_factor("sum", "sgd", 32, 128), rel=1e-10
    )


@pytest.mark.parametrize(("old", "new"), [("sum", "mean"), ("mean", "sum")])
def test_compensating_lr_for_a_reduction_change_keeps_the_trajectory(old: str, new: str) -> None:
    batches = make_batches(5, BATCH)
    lr = 0.003 if old == "sum" else 0.1
    before = train(batches, sgd(lr, momentum=0.9), cross_entropy(old))
    suggested = scaling.lr_compensating_reduction_change(lr, old, new, BATCH)
    after = train(batches, sgd(suggested, momentum=0.9), cross_entropy(new))
    assert_same_trajectory(before, after)


def test_momentum_sgd_only_the_first_step_ratio_is_exactly_the_factor() -> None:
    # The factor describes one step from the same weights; later steps start from different
    # weights, which is why LSL101 speaks of every step's size and the lr fix, not of a trajectory.
    batches = make_batches(5, BATCH)
    mean_run = train(batches, sgd(0.05, momentum=0.9), cross_entropy("mean"))
    sum_run = train(batches, sgd(0.05, momentum=0.9), cross_entropy("sum"))
    factor = scaling.reduction_change_factor("mean", "sum", BATCH)
    assert norm_ratio(sum_run.update(0), mean_run.update(0)) == pytest.approx(factor, rel=1e-10)
    assert norm_ratio(sum_run.update(4), mean_run.update(4)) != pytest.approx(factor, rel=1e-3)


def test_adam_is_invariant_to_a_constant_loss_scale() -> None:
    batches = make_batches(5, BATCH)
    # "Up to eps": eps is added to sqrt(v) and does not scale with the loss, so it is set far below
    # every gradient here to test the claim itself (the default 1e-8 moves tiny entries by ~1e-4).
    mean_run = train(batches, adam(1e-3, eps=TINY_EPS), cross_entropy("mean"))
    sum_run = train(batches, adam(1e-3, eps=TINY_EPS), cross_entropy("sum"))
    predicted = scaling.step_factor("sum", "adaptive", 1, BATCH)
    torch.testing.assert_close(
        sum_run.total_update, predicted * mean_run.total_update, rtol=1e-9, atol=1e-15
    )


def test_adam_step_factor_for_a_batch_size_change_with_a_summed_loss() -> None:
    batches = make_batches(3, 32)
    before = train(batches, adam(1e-3, eps=TINY_EPS), cross_entropy("sum"))
    bigger = [replicate(b, 4) for b in batches]
    after = train(bigger, adam(1e-3, eps=TINY_EPS), cross_entropy("sum"))
    predicted = scaling.step_factor("sum", "adaptive", 32, 128)
    torch.testing.assert_close(
        after.total_update, predicted * before.total_update, rtol=1e-9, atol=1e-15
    )
