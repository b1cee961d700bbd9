"""Oracle: clip_grad_norm_ on a summed loss (LSL103, the advisor's clipping pressure)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

from oracle_rig import cross_entropy, make_batches, replicate, sgd, train  # noqa: E402

from lossscale_lint.facts import scaling  # noqa: E402

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

BATCH = 32
# clip_grad_norm_ divides by (norm + 1e-6); that constant does not scale with the loss, so
# identities through clipping hold to about 1e-6 / norm, not to machine precision.
CLIP_RTOL = 1e-6


def test_pre_clip_norm_of_a_summed_loss_is_b_times_the_mean() -> None:
    batches = make_batches(1, BATCH)
    summed = train(batches, sgd(0.1), cross_entropy("sum"), clip_norm=1e9)
    averaged = train(batches, sgd(0.1), cross_entropy("mean"), clip_norm=1e9)
    ratio = summed.grad_norms[0] / averaged.grad_norms[0]
    assert ratio == pytest.approx(scaling.reduction_change_factor("mean", "sum", BATCH), rel=1e-10)


def test_a_fixed_threshold_on_a_summed_loss_is_c_over_b_on_the_mean() -> None:
    batches = make_batches(3, BATCH)
    lr, threshold = 0.1, 2.0
    summed = train(
        batches,
        sgd(scaling.lr_compensating_reduction_change(lr, "mean", "sum", BATCH)),
        cross_entropy("sum"),
        clip_norm=threshold,
    )
    mean_threshold = scaling.clip_threshold_in_mean_units(threshold, "sum", BATCH)
    averaged = train(batches, sgd(lr), cross_entropy("mean"), clip_norm=mean_threshold)
    # The threshold really bites (otherwise this would only repeat the lr identity).
    assert min(summed.grad_norms) > threshold
    for a, b in zip(summed.parameters, averaged.parameters, strict=True):
        torch.testing.assert_close(a, b, rtol=CLIP_RTOL, atol=CLIP_RTOL)
    # Control: the nominal threshold on the mean loss would not even clip.
    assert max(averaged.grad_norms) < threshold


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_clipping_pressure_under_a_batch_size_change(reduction: str) -> None:
    base = make_batches(1, BATCH)[0]
    before = train([base], sgd(0.1), cross_entropy(reduction), clip_norm=1e9)
    after = train([replicate(base, 4)], sgd(0.1), cross_entropy(reduction), clip_norm=1e9)
    ratio = after.grad_norms[0] / before.grad_norms[0]
    predicted = scaling.clipping_pressure_factor(reduction, BATCH, 4 * BATCH)
    assert ratio == pytest.approx(predicted, rel=1e-10)


def test_keeping_lr_and_threshold_keeps_a_clipped_sgd_step_after_32_to_128() -> None:
    base = make_batches(1, 32)[0]
    lr, threshold = 0.01, 2.0
    before = train([base], sgd(lr), cross_entropy("sum"), clip_norm=threshold)
    after = train(
        [replicate(base, 4)],
        sgd(scaling.lr_keeping_step(lr, 32, 128)),
        cross_entropy("sum"),
        clip_norm=scaling.clip_threshold_keeping_pressure(threshold, "sum", 32, 128),
    )
    assert before.grad_norms[0] > threshold
    torch.testing.assert_close(after.update(), before.update(), rtol=CLIP_RTOL, atol=1e-12)
