"""Oracle, end to end: the numbers in `lossscale-lint advise`'s table, checked with torch.

The real CLI (`python -m lossscale_lint advise ... --output-format json`) reads a training script
written from a few settings (it never imports it); the rig then trains those settings with torch
and measures what each printed quantity claims: per-step update factor, clipping pressure,
regularization factor, steps per epoch, decay timescale, and the weight decay that keeps the
decay per epoch. (The suggested lr values of LSL501-503 and the advisor are checked against
torch trajectories in test_change_oracle.py.)
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

from oracle_rig import (  # noqa: E402
    adamw_decay_exponent,
    cross_entropy,
    make_batches,
    make_data,
    norm_ratio,
    regularization_to_data_ratio,
    replicate,
    sgd,
    train,
)

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SCRIPT = """\
import torch
import torch.nn.functional as F

BATCH_SIZE = {batch}
model = torch.nn.Linear(4, 3)
optimizer = {optimizer}
loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH_SIZE)
for inputs, targets in loader:
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs), targets, reduction="{reduction}")
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), {clip})
    optimizer.step()
"""


def _advise(tmp_path: Path, script: str, *args: str) -> dict:
    (tmp_path / "train.py").write_text(script)
    command = [sys.executable, "-m", "lossscale_lint", "advise", "train.py", "--output-format=json"]
    result = subprocess.run(
        [*command, *args],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    [loop] = json.loads(result.stdout)["loops"]
    return loop


def test_summed_loss_sgd_table_matches_measured_updates(tmp_path: Path) -> None:
    lr, wd, clip = 0.01, 5e-4, 2.0
    optimizer = f"torch.optim.SGD(model.parameters(), lr={lr}, momentum=0.9, weight_decay={wd})"
    script = SCRIPT.format(batch=32, optimizer=optimizer, reduction="sum", clip=clip)
    loop = _advise(tmp_path, script, "--batch-size", "128")
    old = make_batches(1, 32)[0]
    new = replicate(old, 4)  # batch 128 with the same mean gradient
    # Update per step, lr unchanged (the data part: no decay, no clipping).
    before = train([old], sgd(lr, 0.9), cross_entropy("sum"))
    after = train([new], sgd(lr, 0.9), cross_entropy("sum"))
    assert norm_ratio(after.update(), before.update()) == pytest.approx(
        loop["step_factor"], rel=1e-10
    )
    # Clipping pressure: the pre-clip norm met by the same threshold.
    assert after.grad_norms[0] / before.grad_norms[0] == pytest.approx(
        loop["clipping_pressure"], rel=1e-10
    )
    # Regularization relative to the data term.
    measured = regularization_to_data_ratio(new, lr, wd, "sum") / regularization_to_data_ratio(
        old, lr, wd, "sum"
    )
    assert measured == pytest.approx(loop["regularization_factor"], rel=1e-8)


def test_adamw_table_matches_measured_decay_and_dataloader(tmp_path: Path) -> None:
    # N is a multiple of both batch sizes, so N/B steps per epoch is exact.
    dataset, lr, wd = 1024, 0.01, 0.5
    optimizer = f"torch.optim.AdamW(model.parameters(), lr={lr}, weight_decay={wd})"
    script = SCRIPT.format(batch=32, optimizer=optimizer, reduction="mean", clip=1.0)
    loop = _advise(tmp_path, script, "--batch-size", "64", "--dataset-size", str(dataset))
    inputs, targets = make_data(dataset)
    served = {
        when: len(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(inputs, targets), b))
        for when, b in (("before", 32), ("after", 64))
    }
    assert served == loop["steps_per_epoch"]
    # After tau epochs of decay alone the weights are down to 1/e ((1 - lr*wd)^steps: ~0.3 % off).
    for when in ("before", "after"):
        steps = round(loop["decay_timescale_epochs"][when] * served[when])
        assert math.exp(-adamw_decay_exponent(lr, wd, steps)) == pytest.approx(
            math.exp(-1), rel=5e-3
        )
    # Decay per epoch, lr unchanged, and with the suggested lr and weight decay.
    per_epoch_before = adamw_decay_exponent(lr, wd, served["before"])
    per_epoch_after = adamw_decay_exponent(lr, wd, served["after"])
    assert per_epoch_after / per_epoch_before == pytest.approx(
        loop["regularization_factor"], rel=5e-3
    )
    suggested = {s["parameter"]: s["suggested"] for s in loop["suggestions"]}
    kept = adamw_decay_exponent(suggested["lr"], suggested["weight_decay"], served["after"])
    assert kept == pytest.approx(per_epoch_before, rel=5e-3)
