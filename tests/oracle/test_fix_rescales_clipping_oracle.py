"""Oracle: the LSL101 fix rescales everything tied to the loss scale, clipping included.

Switching a summed loss to its mean makes the gradient B times smaller; a `clip_grad_norm_` (or
`clip_grad_value_`) threshold left as it was would clip B times more loosely, and the run would
report all clear. The test applies the fix the linter writes to a runnable script, runs the
original and the fixed script with real torch (clipping active on every step) and compares the
weights. A script whose threshold the fix cannot rescale gets no fix at all.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

from lossscale_lint.fixes.apply import apply_fixes  # noqa: E402
from lossscale_lint.pipeline.engine import lint_source  # noqa: E402

pytestmark = pytest.mark.oracle

SCRIPT = """\
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
features, labels = torch.randn(48, 6), torch.randint(0, 3, (48,))
loader = DataLoader(TensorDataset(features, labels), batch_size=8)
model = nn.Linear(6, 3)
criterion = nn.CrossEntropyLoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, weight_decay=0.01)

for epoch in range(2):
    for x, y in loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        torch.nn.utils.{clip}(model.parameters(), {threshold})
        optimizer.step()
"""


def run(source: str) -> list[torch.Tensor]:
    namespace: dict = {}
    exec(compile(source, "train.py", "exec"), namespace)  # the test runs it; the linter never does
    return [p.detach().clone() for p in namespace["model"].parameters()]


def fixed(source: str) -> str:
    diagnostics = lint_source(source, "train.py")
    outcome = apply_fixes(source, [d for d in diagnostics if d.code == "LSL101"], unsafe=True, path="train.py")
    return outcome.new_source


@pytest.mark.parametrize(("clip", "threshold"), [("clip_grad_norm_", "0.5"), ("clip_grad_value_", "0.05")])
def test_the_fix_divides_the_threshold_and_keeps_every_update(clip: str, threshold: str) -> None:
    source = SCRIPT.format(clip=clip, threshold=threshold)
    new = fixed(source)
    assert 'reduction="mean"' in new and f"{threshold} / 8" in new, new
    # Clipping is active: without it the run ends elsewhere, so the comparison below is about it.
    unclipped = run(source.replace(f"torch.nn.utils.{clip}(model.parameters(), {threshold})", "pass"))
    original = run(source)
    assert any(not torch.allclose(a, b, atol=1e-4) for a, b in zip(original, unclipped))
    for a, b in zip(original, run(new)):
        assert torch.allclose(a, b, atol=1e-6)


def test_leaving_the_threshold_as_it_was_would_change_the_run() -> None:
    source = SCRIPT.format(clip="clip_grad_norm_", threshold="0.5")
    half_fixed = fixed(source).replace("0.5 / 8", "0.5")
    assert any(not torch.allclose(a, b, atol=1e-4) for a, b in zip(run(source), run(half_fixed)))


def test_no_fix_when_the_threshold_cannot_be_rescaled() -> None:
    source = SCRIPT.format(clip="clip_grad_norm_", threshold="settings.max_norm").replace(
        "import torch\n", "import torch\nfrom settings_module import settings\n", 1)
    [diagnostic] = [d for d in lint_source(source, "train.py") if d.code == "LSL101"]
    assert diagnostic.fix is not None  # a name in this file is rescaled: `settings.max_norm / 8`
    outside = SCRIPT.format(clip="clip_grad_norm_", threshold="0.5").replace(
        "torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)",
        "torch.nn.utils.clip_grad_norm_(model.parameters(), **clip_kwargs)")
    [diagnostic] = [d for d in lint_source(outside, "train.py") if d.code == "LSL101"]
    assert diagnostic.fix is None  # the threshold is not written where the fix can reach it
