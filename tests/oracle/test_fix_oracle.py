"""The LSL101 fix claims the same update today and no dependence on B afterwards. Check both with
real torch, using the numbers the fix actually writes (read from its edits, not restated here)."""

from __future__ import annotations

import re

import pytest

from lossscale_lint.pipeline.engine import lint_source

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")
from oracle_rig import (  # noqa: E402
    assert_same_trajectory,
    cross_entropy,
    make_batches,
    norm_ratio,
    replicate,
    sgd,
    train,
)

pytestmark = pytest.mark.slow

BATCH = 8
SCRIPT = f"""\
import torch
from torch import nn
from torch.utils.data import DataLoader

model = nn.Linear(4, 3)
loader = DataLoader(list(range(64)), batch_size={BATCH})
eval_loader = DataLoader(list(range(64)), batch_size=1000)
criterion = nn.CrossEntropyLoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=0.01)

for x, y in loader:
    optimizer.zero_grad()
    criterion(model(x), y).backward()
    optimizer.step()
"""


def fix_numbers() -> tuple[float, float]:
    """(lr multiplier, weight-decay divisor) as written by the LSL101 fix."""
    [diagnostic] = [d for d in lint_source(SCRIPT, "train.py") if d.code == "LSL101"]
    contents = [edit.content for edit in diagnostic.fix.edits]
    assert contents[0] == 'reduction="mean"'
    lr_times = float(re.fullmatch(r"0\.05 \* (\S+)", contents[1]).group(1))
    decay_over = float(re.fullmatch(r"0\.01 / (\S+)", contents[2]).group(1))
    return lr_times, decay_over


def test_fix_uses_the_training_loaders_batch_size() -> None:
    assert fix_numbers() == (BATCH, BATCH)  # not the evaluation loader's 1000


def test_fixed_code_makes_the_same_updates_today() -> None:
    lr_times, decay_over = fix_numbers()
    batches = make_batches(steps=5, batch_size=BATCH)
    before = train(batches, sgd(0.05, momentum=0.9, weight_decay=0.01), cross_entropy("sum"))
    after = train(batches, sgd(0.05 * lr_times, momentum=0.9, weight_decay=0.01 / decay_over), cross_entropy("mean"))
    assert_same_trajectory(before, after)


@pytest.mark.parametrize("times", [2, 4])
def test_after_the_fix_the_step_no_longer_grows_with_the_batch(times: int) -> None:
    lr_times, decay_over = fix_numbers()
    [batch] = make_batches(steps=1, batch_size=BATCH)
    fixed = sgd(0.05 * lr_times, weight_decay=0.01 / decay_over)
    small = train([batch], fixed, cross_entropy("mean"))
    large = train([replicate(batch, times)], fixed, cross_entropy("mean"))
    original = sgd(0.05, weight_decay=0.01)
    small_sum = train([batch], original, cross_entropy("sum"))
    large_sum = train([replicate(batch, times)], original, cross_entropy("sum"))
    assert norm_ratio(large.update(), small.update()) == pytest.approx(1.0, rel=1e-9)
    # ... while the original code's step grew with the batch (by ~times, the decay part aside).
    assert norm_ratio(large_sum.update(), small_sum.update()) > 0.9 * times
