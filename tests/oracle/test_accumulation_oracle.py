"""Oracle: accumulation (LSL201/202), the fixed-B normaliser (LSL104), steps per epoch."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

from oracle_rig import cross_entropy, make_batches, make_data, sgd, train  # noqa: E402

from lossscale_lint.facts import scaling  # noqa: E402

pytestmark = [pytest.mark.oracle, pytest.mark.slow]


@pytest.mark.parametrize("divisions", [0, 1, 2], ids=["missing", "correct", "double"])
@pytest.mark.parametrize("steps", [2, 4])
def test_accumulated_step_vs_one_full_batch_step(steps: int, divisions: int) -> None:
    micro = 8
    full_batch = make_batches(1, steps * micro)[0]
    full = train([full_batch], sgd(0.1), cross_entropy("mean"))
    micro_batches = list(zip(full_batch[0].split(micro), full_batch[1].split(micro), strict=True))
    accumulated = train(
        [micro_batches], sgd(0.1), cross_entropy("mean", divisor=float(steps) ** divisions)
    )
    predicted = scaling.accumulation_factor(steps, divisions)
    torch.testing.assert_close(
        accumulated.update(), predicted * full.update(), rtol=1e-10, atol=1e-15
    )


def _served_batches(dataset_size: int, batch_size: int, drop_last: bool = False) -> list:
    inputs, targets = make_data(dataset_size, seed=5)
    dataset = torch.utils.data.TensorDataset(inputs, targets)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, drop_last=drop_last)
    return [tuple(batch) for batch in loader]  # the loader yields lists; the rig takes tuples


@pytest.mark.parametrize(("dataset_size", "batch_size"), [(70, 32), (100, 16), (64, 32)])
def test_last_batch_under_a_fixed_batch_size_normaliser(dataset_size: int, batch_size: int) -> None:
    *_, last = _served_batches(dataset_size, batch_size)
    # loss.sum() / BATCH_SIZE (the configured B) vs the mean over the batch actually served.
    fixed = train([last], sgd(0.1), cross_entropy("sum", divisor=batch_size))
    actual = train([last], sgd(0.1), cross_entropy("mean"))
    predicted = scaling.last_batch_weight(dataset_size, batch_size)
    torch.testing.assert_close(fixed.update(), predicted * actual.update(), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize(("dataset_size", "batch_size"), [(70, 32), (64, 32), (5, 8)])
def test_steps_per_epoch_matches_a_real_dataloader(
    dataset_size: int, batch_size: int, drop_last: bool
) -> None:
    served = _served_batches(dataset_size, batch_size, drop_last)
    assert len(served) == scaling.steps_per_epoch(dataset_size, batch_size, drop_last)


@pytest.mark.parametrize(("steps", "divisor"), [(8, 2), (4, 8)])
def test_a_loss_divided_by_another_k_scales_the_step_by_k_over_the_divisor(steps: int, divisor: int) -> None:
    # LSL204: "the accumulated gradient is K / divisor times the batch mean", as its factor prints.
    from lossscale_lint.config.options import AnalysisOptions
    from lossscale_lint.pipeline.linting import lint_text

    micro = 8
    full_batch = make_batches(1, steps * micro)[0]
    full = train([full_batch], sgd(0.1), cross_entropy("mean"))
    micro_batches = list(zip(full_batch[0].split(micro), full_batch[1].split(micro), strict=True))
    accumulated = train([micro_batches], sgd(0.1), cross_entropy("mean", divisor=float(divisor)))
    source = (
        "import torch\nfrom torch import nn\nmodel = nn.Linear(2, 2)\ncriterion = nn.CrossEntropyLoss()\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        f"def train(loader):\n    accumulation_steps = {divisor}\n"
        "    for i, (x, y) in enumerate(loader):\n"
        "        loss = criterion(model(x), y) / accumulation_steps\n        loss.backward()\n"
        f"        if (i + 1) % {steps} == 0:\n            optimizer.step()\n            optimizer.zero_grad()\n"
    )
    [diagnostic] = lint_text(source, "train.py", AnalysisOptions())
    printed = float(diagnostic.factor.rpartition("(")[2].rstrip(")").lstrip("x"))
    assert diagnostic.code == "LSL204" and printed == pytest.approx(steps / divisor)
    torch.testing.assert_close(accumulated.update(), printed * full.update(), rtol=1e-10, atol=1e-15)
