"""Oracle: the values the change-aware diagnostics and the advisor print really keep training the same.

Each test writes a base and a changed training script, lets lossscale-lint report on the change
(`lint_source` with the base, or `advise`), reads the suggested number *from the diagnostic's
message* and trains the tiny model with real torch under the old and the suggested settings. The
larger batch repeats the smaller one (`replicate`), so the mean gradient is the same and only the
scale the tool reasons about differs; the trajectories must then agree to float tolerance.
"""

from __future__ import annotations

import re

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

import libcst as cst  # noqa: E402
from oracle_rig import (  # noqa: E402
    assert_same_trajectory,
    cross_entropy,
    make_batches,
    norm_ratio,
    replicate,
    sgd,
    train,
)

from lossscale_lint.advisor.advice import advise  # noqa: E402
from lossscale_lint.pipeline.engine import lint_source  # noqa: E402
from lossscale_lint.facts.extract import extract_facts  # noqa: E402

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

STEPS = 3
TEMPLATE = """\
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

BATCH_SIZE = {batch}
LR = {lr}

loader = DataLoader(TensorDataset(torch.randn(96, 4), torch.randint(0, 3, (96,))), batch_size=BATCH_SIZE)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
criterion = nn.CrossEntropyLoss(reduction="{reduction}")
optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9, weight_decay={wd})

for x, y in loader:
    optimizer.zero_grad()
    criterion(model(x), y).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), {clip})
    optimizer.step()
"""


def script(batch=32, lr=0.1, reduction="sum", wd=0.0, clip=1e9) -> str:
    return TEMPLATE.format(batch=batch, lr=lr, reduction=reduction, wd=wd, clip=clip)


def finding(code: str, base: str, new: str) -> dict:
    found = [d for d in lint_source(new, "train.py", base_source=base) if d.code == code]
    assert len(found) == 1, f"expected one {code}, got {[d.code for d in found]}"
    return found[0]


def suggested(message: str, parameter: str) -> tuple[float, float]:
    """(current, suggested) from `lr 0.1 -> 0.025` or `weight_decay 0.0005 -> 0.001` in a message."""
    match = re.search(rf"{parameter} ([0-9.e+-]+) -> ([0-9.e+-]+)", message)
    assert match, f"no '{parameter} a -> b' in: {message}"
    return float(match.group(1)), float(match.group(2))


def printed_factor(message: str) -> float:
    match = re.search(r"every step is now x([0-9.e+-]+)", message)
    assert match, message
    return float(match.group(1))


@pytest.mark.parametrize(("old_batch", "new_batch"), [(32, 128), (64, 16)])
def test_lsl501_lr_keeps_every_momentum_sgd_step_after_the_batch_change(old_batch, new_batch):
    diagnostic = finding("LSL501", script(batch=old_batch), script(batch=new_batch))
    old_lr, new_lr = suggested(diagnostic.message, "lr")
    small = make_batches(STEPS, min(old_batch, new_batch))
    times = max(old_batch, new_batch) // min(old_batch, new_batch)
    large = [replicate(batch, times) for batch in small]
    before, after = (small, large) if new_batch > old_batch else (large, small)
    loss = cross_entropy("sum")
    old_run = train(before, sgd(old_lr, momentum=0.9), loss)
    assert_same_trajectory(old_run, train(after, sgd(new_lr, momentum=0.9), loss))
    # And the factor the message states for the unchanged lr is the measured one.
    unchanged_lr = train(after, sgd(old_lr, momentum=0.9), loss)
    assert norm_ratio(unchanged_lr.update(), old_run.update()) == pytest.approx(printed_factor(diagnostic.message), rel=1e-10)


@pytest.mark.parametrize(("old_reduction", "new_reduction"), [("sum", "mean"), ("mean", "sum")])
def test_lsl502_lr_keeps_the_step_across_the_reduction_change(old_reduction, new_reduction):
    lr = 0.1 if old_reduction == "sum" else 3.2
    diagnostic = finding("LSL502", script(lr=lr, reduction=old_reduction), script(lr=lr, reduction=new_reduction))
    old_lr, new_lr = suggested(diagnostic.message, "lr")
    batches = make_batches(STEPS, 32)
    old_run = train(batches, sgd(old_lr, momentum=0.9), cross_entropy(old_reduction))
    assert_same_trajectory(old_run, train(batches, sgd(new_lr, momentum=0.9), cross_entropy(new_reduction)))
    unchanged_lr = train(batches, sgd(old_lr, momentum=0.9), cross_entropy(new_reduction))
    assert norm_ratio(unchanged_lr.update(), old_run.update()) == pytest.approx(printed_factor(diagnostic.message), rel=1e-10)


def test_lsl503_weight_decay_with_the_halved_lr_keeps_the_whole_trajectory():
    # B 32 -> 64 and lr halved keep the data step; the suggested wd keeps the decay term as well.
    base, new = script(batch=32, lr=0.1, wd=5e-4), script(batch=64, lr=0.05, wd=5e-4)
    old_wd, new_wd = suggested(finding("LSL503", base, new).message, "weight_decay")
    small = make_batches(STEPS, 32)
    large = [replicate(batch, 2) for batch in small]
    loss = cross_entropy("sum")
    old_run = train(small, sgd(0.1, momentum=0.9, weight_decay=old_wd), loss)
    assert_same_trajectory(old_run, train(large, sgd(0.05, momentum=0.9, weight_decay=new_wd), loss))


def test_advisor_keep_values_for_lr_decay_and_clipping_keep_the_whole_trajectory():
    source = script(batch=16, lr=0.05, wd=1e-3, clip=2.0)
    advice = advise(extract_facts(cst.parse_module(source), "train.py"), 64)
    [loop] = advice.loops
    values = {s.parameter: (s.current, s.suggested) for s in loop.suggestions}
    small = make_batches(STEPS, 16)
    large = [replicate(batch, 4) for batch in small]
    loss = cross_entropy("sum")
    (lr, new_lr), (wd, new_wd), (clip, new_clip) = values["lr"], values["weight_decay"], values["max_norm"]
    old_run = train(small, sgd(lr, momentum=0.9, weight_decay=wd), loss, clip_norm=clip)
    assert min(old_run.grad_norms) > clip  # clipping really acts, so the threshold matters
    new_run = train(large, sgd(new_lr, momentum=0.9, weight_decay=new_wd), loss, clip_norm=new_clip)
    # clip_grad_norm_ divides by (norm + 1e-6): c/(n + 1e-6) and kc/(kn + 1e-6) differ by ~1e-7.
    assert_same_trajectory(old_run, new_run, rtol=1e-6)
    assert loop.step_factor == pytest.approx(
        norm_ratio(train(large, sgd(lr, momentum=0.9), loss).update(), train(small, sgd(lr, momentum=0.9), loss).update()),
        rel=1e-10,
    )
