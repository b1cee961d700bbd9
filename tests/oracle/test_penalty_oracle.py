"""Oracle: the two claims LSL102 makes about penalties added to a summed loss, checked with torch.

1. A penalty of the weights (an L2 sum over the parameters, a Bayesian KL) beside a summed data term
   weighs lambda/B relative to the mean data term: its share of the gradient shrinks as B grows.
2. The same penalty divided by the number of batches (`kl / len(loader)`, N/B) keeps a share that
   does not depend on B, which is why LSL102 stays silent for it.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

from lossscale_lint.config.options import AnalysisOptions  # noqa: E402
from lossscale_lint.pipeline.engine import lint_source  # noqa: E402

pytestmark = pytest.mark.oracle

N = 256  # the training-set size: N / B batches per epoch


def _penalty_share(batch: int, divide_by_batch_count: bool) -> float:
    """|gradient of the penalty| / |gradient of the data term| for one batch of size B."""
    torch.manual_seed(0)
    model = torch.nn.Linear(5, 3)
    generator = torch.Generator().manual_seed(1)
    # Every target the same class: the per-sample gradients agree, so the summed one grows as B.
    x, y = torch.randn(batch, 5, generator=generator), torch.zeros(batch, dtype=torch.long)
    data = torch.nn.functional.cross_entropy(model(x), y, reduction="sum")
    penalty = 1e-2 * sum(p.pow(2).sum() for p in model.parameters())
    if divide_by_batch_count:
        penalty = penalty / (N // batch)
    (data_grad,) = torch.autograd.grad(data, [model.weight])
    (penalty_grad,) = torch.autograd.grad(penalty, [model.weight])
    return float(penalty_grad.norm() / data_grad.norm())


def test_penalty_share_shrinks_as_one_over_b_beside_a_summed_loss() -> None:
    small, large = _penalty_share(8, False), _penalty_share(64, False)
    # The data gradient of a sum grows as B (x8 here, up to sampling noise); the penalty's does not.
    assert 6 < small / large < 10


def test_penalty_over_batch_count_keeps_its_share() -> None:
    small, large = _penalty_share(8, True), _penalty_share(64, True)
    assert 0.75 < small / large < 1.33  # the same up to sampling noise of the data gradient


SCRIPT = """
import torch
model = torch.nn.Linear(5, 3)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = torch.nn.CrossEntropyLoss(reduction="sum")
for x, y in train_loader:
    loss = criterion(model(x), y) + {penalty}
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize(("penalty", "flagged"), [
    ("1e-2 * sum(p.pow(2).sum() for p in model.parameters())", True),
    ("1e-2 * sum(p.pow(2).sum() for p in model.parameters()) / len(train_loader)", False),
])
def test_lsl102_follows_the_measured_scaling(penalty: str, flagged: bool) -> None:
    codes = [d.code for d in lint_source(SCRIPT.format(penalty=penalty), "train.py", options=AnalysisOptions())]
    assert ("LSL102" in codes) is flagged
