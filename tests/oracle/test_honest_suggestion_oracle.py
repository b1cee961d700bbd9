"""Oracle: the suggestions for element-wise losses keep today's step, measured with real torch.

Each test lints a training script with `MSELoss` (its "mean" divides by B*D, here D = 3 outputs)
or, as the look-alike, `CrossEntropyLoss` (its mean divides by B), reads the numbers *from the
diagnostic's suggestion*, applies the suggestion to the tiny model and compares parameter
trajectories under momentum SGD. It also measures that the tempting "mean with lr x B" really
changes an MSE step by 1/D, which is why the suggestion does not offer it.
"""

from __future__ import annotations

import re

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

import torch.nn.functional as F  # noqa: E402
from oracle_rig import (  # noqa: E402
    CLASSES,
    assert_same_trajectory,
    cross_entropy,
    make_batches,
    make_regression_batches,
    norm_ratio,
    replicate,
    sgd,
    train,
)

from lossscale_lint.pipeline.engine import lint_source  # noqa: E402

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

STEPS = 3
D = CLASSES  # the model's output width: elements per example of the MSE
TEMPLATE = """\
import torch
from torch import nn
from torch.utils.data import DataLoader

loader = DataLoader(dataset, batch_size={batch})
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
criterion = nn.{loss}(reduction="{reduction}")
optimizer = torch.optim.SGD(model.parameters(), lr={lr}, momentum=0.9)

for x, y in loader:
    optimizer.zero_grad()
    criterion(model(x), y).backward()
    optimizer.step()
"""


def script(loss="MSELoss", reduction="sum", batch=32, lr=0.01) -> str:
    return TEMPLATE.format(loss=loss, reduction=reduction, batch=batch, lr=lr)


def finding(code: str, source: str, base: str | None = None):
    found = [d for d in lint_source(source, "train.py", base_source=base) if d.code == code]
    assert len(found) == 1, [d.code for d in found]
    return found[0]


def mse(reduction: str, by_batch_length: bool = False):
    def loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        value = F.mse_loss(outputs, targets, reduction=reduction)
        return value / targets.size(0) if by_batch_length else value

    return loss


def lr_change(text: str) -> tuple[float, float]:
    """(lr, lr') from `multiply lr by 32 (0.01 -> 0.32)` in a suggestion."""
    match = re.search(r"multiply lr by ([0-9.e+-]+) \(([0-9.e+-]+) -> ([0-9.e+-]+)\)", text)
    assert match, text
    assert float(match.group(2)) * float(match.group(1)) == pytest.approx(float(match.group(3)))
    return float(match.group(2)), float(match.group(3))


def test_lsl101_mse_dividing_by_the_batch_length_with_the_printed_lr_keeps_todays_step():
    diagnostic = finding("LSL101", script())
    assert "divide the loss by `y.size(0)`" in diagnostic.suggestion
    lr, new_lr = lr_change(diagnostic.suggestion)
    batches = make_regression_batches(STEPS, 32)
    today = train(batches, sgd(lr, momentum=0.9), mse("sum"))
    assert_same_trajectory(today, train(batches, sgd(new_lr, momentum=0.9), mse("sum", by_batch_length=True)))
    # What the suggestion warns against: mean with the same lr makes the step D times smaller.
    mean = train(batches[:1], sgd(new_lr), mse("mean"))
    assert norm_ratio(mean.update(), train(batches[:1], sgd(lr), mse("sum")).update()) == pytest.approx(1 / D, rel=1e-10)


def test_lsl101_cross_entropy_look_alike_both_offered_forms_keep_todays_step():
    diagnostic = finding("LSL101", script(loss="CrossEntropyLoss", lr=0.1))
    assert diagnostic.suggestion.startswith('use reduction="mean" or divide the loss by `y.size(0)`')
    lr, new_lr = lr_change(diagnostic.suggestion)
    batches = make_batches(STEPS, 32)
    today = train(batches, sgd(lr, momentum=0.9), cross_entropy("sum"))
    assert_same_trajectory(today, train(batches, sgd(new_lr, momentum=0.9), cross_entropy("mean")))
    assert_same_trajectory(today, train(batches, sgd(new_lr, momentum=0.9), cross_entropy("sum", divisor=32)))


def test_lsl501_mse_alternative_keeps_the_base_step_at_the_new_batch_size():
    diagnostic = finding("LSL501", script(batch=128), script(batch=32))
    lr, new_lr = lr_change(diagnostic.suggestion.split(", or ", 1)[1])
    small = make_regression_batches(STEPS, 32)
    large = [replicate(batch, 4) for batch in small]
    base = train(small, sgd(lr, momentum=0.9), mse("sum"))
    assert_same_trajectory(base, train(large, sgd(new_lr, momentum=0.9), mse("sum", by_batch_length=True)))


def test_lsl502_mse_sum_to_mean_factor_and_both_compensations_measured():
    diagnostic = finding("LSL502", script(reduction="mean"), script(reduction="sum"))
    # D is read off the model's last layer (nn.Linear(8, 3)), so the factor is printed as a number.
    match = re.search(r"every step is x1/\(B\*D\) = x1/(\d+) at B=(\d+) \(D=(\d+)", diagnostic.message)
    assert match, diagnostic.message
    elements, batch, width = (int(g) for g in match.groups())
    assert width == D and elements == batch * D
    batches = make_regression_batches(STEPS, batch)
    lr = 0.01
    base = train(batches, sgd(lr, momentum=0.9), mse("sum"))
    # The printed factor: one plain SGD step from the same weights.
    one_mean, one_sum = train(batches[:1], sgd(lr), mse("mean")), train(batches[:1], sgd(lr), mse("sum"))
    assert norm_ratio(one_mean.update(), one_sum.update()) == pytest.approx(1 / elements, rel=1e-10)
    # "multiply lr by 96 (0.01 -> 0.96)": the printed lr keeps the trajectory.
    times = re.search(r"multiply lr by (\d+) \(([0-9.e+-]+) -> ([0-9.e+-]+)\)", diagnostic.suggestion)
    assert times, diagnostic.suggestion
    assert int(times.group(1)) == elements
    assert_same_trajectory(base, train(batches, sgd(float(times.group(3)), momentum=0.9), mse("mean")))
    # The form without D: keep the sum, divide by the batch length, the printed lr.
    _, without_d = lr_change(diagnostic.suggestion.split('keep reduction="sum"', 1)[1])
    assert_same_trajectory(base, train(batches, sgd(without_d, momentum=0.9), mse("sum", by_batch_length=True)))


def test_lsl502_mse_mean_to_sum_factor_and_compensation_measured():
    lr = 0.96
    diagnostic = finding("LSL502", script(reduction="sum", lr=lr), script(reduction="mean", lr=lr))
    match = re.search(r"every step is xB\*D = x(\d+) at B=(\d+)", diagnostic.message)
    assert match, diagnostic.message
    elements, batch = int(match.group(1)), int(match.group(2))
    assert elements == batch * D
    batches = make_regression_batches(STEPS, batch)
    one_sum, one_mean = train(batches[:1], sgd(lr), mse("sum")), train(batches[:1], sgd(lr), mse("mean"))
    assert norm_ratio(one_sum.update(), one_mean.update()) == pytest.approx(elements, rel=1e-10)
    times = re.search(r"divide lr by (\d+) \(([0-9.e+-]+) -> ([0-9.e+-]+)\)", diagnostic.suggestion)
    assert times, diagnostic.suggestion
    base = train(batches, sgd(lr, momentum=0.9), mse("mean"))
    assert_same_trajectory(base, train(batches, sgd(float(times.group(3)), momentum=0.9), mse("sum")))
