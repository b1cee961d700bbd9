"""The suggestions of LSL101, LSL501 and LSL502 keep today's step with the loss's real divisor.

Dividing a summed loss by the batch length is exact for every loss; `reduction="mean"` is exact
only where the mean divides by the samples (cross entropy). An element-wise mean (MSE, L1, ...)
divides by B*D, so the messages must not offer "mean and lr x B" for it. The numbers themselves
are checked with real torch in `tests/oracle/test_honest_suggestion_oracle.py`.
"""

from __future__ import annotations

import pytest

from lossscale_lint.pipeline.engine import lint_source

SCRIPT = """\
import torch
from torch import nn
from torch.utils.data import DataLoader

loader = DataLoader(dataset, batch_size={batch})
model = {model}
criterion = {criterion}
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

for inputs, targets in loader:
    optimizer.zero_grad()
    loss = {loss}
    loss.backward()
    optimizer.step()
"""


def script(criterion='nn.MSELoss(reduction="sum")', loss="criterion(model(inputs), targets)", batch="64",
           model="nn.Linear(4, 3)") -> str:
    return SCRIPT.format(criterion=criterion, loss=loss, batch=batch, model=model)


# A model built out of sight: how many values per example it outputs (D) is not written here.
UNSEEN = "build_model()"


def only(code: str, source: str, base: str | None = None):
    found = [d for d in lint_source(source, "train.py", base_source=base) if d.code == code]
    assert len(found) == 1, [d.code for d in found]
    return found[0]


# --- LSL101 --------------------------------------------------------------------------------------

@pytest.mark.parametrize("loss", ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCEWithLogitsLoss"])
def test_element_wise_sum_suggests_the_batch_length_with_the_number_and_no_fix(loss):
    diagnostic = only("LSL101", script(criterion=f'nn.{loss}(reduction="sum")'))
    assert diagnostic.suggestion.startswith(
        "divide the loss by `targets.size(0)` and multiply lr by 64 (0.01 -> 0.64) to keep today's step; "
        f'reduction="mean" on `{loss}` divides by every element (B*D), not by B'
    )
    assert "use reduction" not in diagnostic.suggestion
    assert diagnostic.fix is None  # "mean" and lr x B would shrink the step by D


def test_per_sample_sum_look_alike_suggests_mean_and_keeps_its_fix():
    diagnostic = only("LSL101", script(criterion='nn.CrossEntropyLoss(reduction="sum")'))
    assert diagnostic.suggestion == (
        'use reduction="mean" or divide the loss by `targets.size(0)`, and multiply lr by 64 (0.01 -> 0.64) '
        "to keep today's step"
    )
    assert "B*D" not in diagnostic.suggestion
    assert diagnostic.fix is not None and "64" in diagnostic.fix.description


def test_unknown_batch_size_names_b_instead_of_a_number():
    diagnostic = only("LSL101", script(batch="batch_size"))
    assert "multiply lr by the batch size B to keep today's step" in diagnostic.suggestion
    assert "0.01 ->" not in diagnostic.suggestion and diagnostic.fix is None


def test_functional_element_wise_loss_names_its_target():
    source = script(criterion="None", loss='nn.functional.l1_loss(model(inputs), labels, reduction="sum")')
    diagnostic = only("LSL101", source)
    assert diagnostic.suggestion.startswith("divide the loss by `labels.size(0)` and multiply lr by 64")
    assert 'reduction="mean" on `l1_loss` divides by every element (B*D)' in diagnostic.suggestion


def test_hand_written_sum_says_mean_divides_by_every_element():
    diagnostic = only("LSL101", script(criterion="None", loss="(model(inputs) - targets).pow(2).sum()"))
    assert "`.mean()` divides by every element (B*D)" in diagnostic.suggestion
    assert "use reduction" not in diagnostic.suggestion


# --- LSL501 --------------------------------------------------------------------------------------

def test_lsl501_element_wise_alternative_divides_by_the_batch_length():
    base = script()
    diagnostic = only("LSL501", script(batch="256"), base)
    assert diagnostic.suggestion.startswith(
        "set lr 0.01 -> 0.0025 (= 0.01 * 64/256), or divide the loss by `targets.size(0)` and multiply lr "
        "by 64 (0.01 -> 0.64) to keep the base's step; "
    )
    assert "use reduction" not in diagnostic.suggestion


def test_lsl501_per_sample_look_alike_offers_mean_with_the_base_batch_size():
    ce = 'nn.CrossEntropyLoss(reduction="sum")'
    diagnostic = only("LSL501", script(criterion=ce, batch="256"), script(criterion=ce))
    assert diagnostic.suggestion.endswith(
        'or use reduction="mean" or divide the loss by `targets.size(0)`, and multiply lr by 64 '
        "(0.01 -> 0.64) to keep the base's step"
    )


# --- LSL502 --------------------------------------------------------------------------------------

def test_lsl502_element_wise_sum_to_mean_prints_b_and_both_compensations():
    mean, summed = script(criterion='nn.MSELoss(reduction="mean")', model=UNSEEN), script(model=UNSEEN)
    diagnostic = only("LSL502", mean, summed)
    assert "every step is x1/(B*D) = x1/(64*D) at B=64 (D: elements per example" in diagnostic.message
    assert diagnostic.factor == "step x1/(B*D) = x1/(64*D) at B=64"
    assert diagnostic.suggestion == (
        'multiply lr by 64*D (lr 0.01 -> 0.01*(64*D)) to keep the step, or keep reduction="sum", '
        "divide the loss by `targets.size(0)` and multiply lr by 64 (0.01 -> 0.64)"
    )


def test_lsl502_element_wise_mean_to_sum_prints_b():
    diagnostic = only("LSL502", script(model=UNSEEN), script(criterion='nn.MSELoss(reduction="mean")', model=UNSEEN))
    assert "every step is xB*D = x64*D at B=64" in diagnostic.message
    assert diagnostic.suggestion == "divide lr by 64*D (lr 0.01 -> 0.01/(64*D)) to keep the step"


def test_lsl502_element_wise_with_unknown_batch_stays_symbolic():
    base = script(batch="batch_size", model=UNSEEN)
    diagnostic = only("LSL502", script(criterion='nn.MSELoss(reduction="mean")', batch="batch_size", model=UNSEEN), base)
    assert "every step is x1/(B*D) (D: elements per example" in diagnostic.message
    assert diagnostic.suggestion == "multiply lr by B*D to keep the step"


@pytest.mark.parametrize(("model", "width"), [("nn.Linear(4, 3)", 3), ("nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())", 1)])
def test_lsl502_element_wise_with_the_width_written_prints_the_number(model, width):
    """D is read off the model's last layer: the factor and the lr that keeps the step are numbers."""
    diagnostic = only("LSL502", script(criterion='nn.MSELoss(reduction="mean")', model=model), script(model=model))
    elements = 64 * width
    assert f"every step is x1/(B*D) = x1/{elements} at B=64 (D={width}: the model outputs {width} value" in diagnostic.message
    assert diagnostic.suggestion.startswith(f"multiply lr by {elements} (0.01 -> {elements / 100:g}) to keep the step")
    grown = only("LSL502", script(model=model), script(criterion='nn.MSELoss(reduction="mean")', model=model))
    assert f"every step is xB*D = x{elements} at B=64" in grown.message


def test_lsl101_one_output_per_example_makes_mean_a_per_sample_suggestion():
    diagnostic = only("LSL101", script(model="nn.Linear(4, 1)"))
    assert diagnostic.suggestion.startswith('use reduction="mean" (the model outputs one value per example')
    assert "B*D" not in diagnostic.suggestion


def test_lsl502_per_sample_look_alike_prints_the_exact_factor_without_d():
    ce = 'nn.CrossEntropyLoss(reduction="{}")'
    diagnostic = only("LSL502", script(criterion=ce.format("mean")), script(criterion=ce.format("sum")))
    assert "x0.01562" in diagnostic.message and "*D" not in diagnostic.message
    assert diagnostic.suggestion == "set lr 0.01 -> 0.64"


def test_lsl502_mixed_divisors_do_not_claim_b_times_d():
    # sum over every element -> per-sample sums averaged over the batch: the factor is 1/B, not
    # 1/(B*D); the divisors differ, so the message names only what the mean averages over.
    head = script(criterion='nn.MSELoss(reduction="none")', loss="criterion(model(inputs), targets).sum(1).mean()")
    diagnostic = only("LSL502", head, script())
    assert "B*D" not in diagnostic.message and "N: the number of values the mean averages over" in diagnostic.message


# --- LSL104 --------------------------------------------------------------------------------------

def test_lsl104_names_the_loss_target_as_the_batch_length():
    source = script(batch="BATCH", loss='nn.functional.mse_loss(model(inputs), labels, reduction="sum") / BATCH')
    diagnostic = only("LSL104", "BATCH = 64\n" + source)
    assert diagnostic.suggestion == "divide by the actual batch length `labels.size(0)`, or pass drop_last=True"



@pytest.mark.parametrize("spelling", ["clip_grad_norm_", "clip_grad_norm"])
def test_lsl103_names_the_clip_function_as_written(spelling):
    # The deprecated `clip_grad_norm` (no underscore) behaves the same; the message must quote
    # what the user wrote so a search for it finds the line.
    source = script(batch="64").replace(
        "    optimizer.step()",
        f"    torch.nn.utils.{spelling}(model.parameters(), 1.0)\n    optimizer.step()",
    )
    message = only("LSL103", source).message
    assert f"`{spelling}`" in message
