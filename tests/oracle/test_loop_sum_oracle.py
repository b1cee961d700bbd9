"""Oracle: a loss added up sample by sample in a Python loop is the batch-summed loss.

`loss += criterion(model(x[None]), y[None])` over the samples of a group gives exactly the gradient
of `reduction="sum"` over the group: which is why the flow records it as a SUM term (LSL101 with
SGD) and why dividing it by a fixed group size under-weights a short last group (LSL104).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

from lossscale_lint.config.options import AnalysisOptions  # noqa: E402
from lossscale_lint.pipeline.engine import lint_source, module_facts  # noqa: E402

pytestmark = pytest.mark.oracle

SCRIPT = """
import torch
GROUP = {group}
model = torch.nn.Linear(5, 3)
criterion = torch.nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for start in range(0, len(examples), GROUP):
    group = examples[start:start + GROUP]
    loss = 0
    for x, y in group:
        loss += criterion(model(x.unsqueeze(0)), y.unsqueeze(0))
    loss = loss / GROUP
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


def _gradient(examples, group: int, model) -> list[torch.Tensor]:
    """One step's gradient for each group, computed the way SCRIPT does it."""
    grads = []
    for start in range(0, len(examples), group):
        model.zero_grad()
        loss = 0
        for x, y in examples[start:start + group]:
            loss += torch.nn.functional.cross_entropy(model(x.unsqueeze(0)), y.unsqueeze(0))
        (loss / group).backward()
        grads.append(model.weight.grad.clone())
    return grads


def test_loop_sum_is_the_summed_loss_and_a_short_group_is_underweighted() -> None:
    torch.manual_seed(0)
    model = torch.nn.Linear(5, 3)
    xs, ys = torch.randn(20, 5), torch.randint(0, 3, (20,))
    examples = list(zip(xs, ys))
    loop_grads = _gradient(examples, 8, model)  # groups of 8, 8 and 4
    for i, start in enumerate(range(0, 20, 8)):
        model.zero_grad()
        end = min(start + 8, 20)
        torch.nn.functional.cross_entropy(model(xs[start:end]), ys[start:end], reduction="sum").div(8).backward()
        assert torch.allclose(loop_grads[i], model.weight.grad, atol=1e-6)
    # The last group of 4 is divided by 8: its gradient is 4/8 of its mean gradient.
    model.zero_grad()
    torch.nn.functional.cross_entropy(model(xs[16:]), ys[16:]).backward()
    assert torch.allclose(loop_grads[-1], model.weight.grad * 4 / 8, atol=1e-6)

    facts = module_facts(SCRIPT.format(group=8), "loop.py", AnalysisOptions())
    [term] = facts.updates[0].flow.data_terms
    assert term.reduction == "sum" and term.batch_length == "len(group)"
    codes = [d.code for d in lint_source(SCRIPT.format(group=8), "loop.py")]
    assert codes == ["LSL104"]
