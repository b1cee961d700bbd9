"""Oracle for LSL107: `KLDivLoss` / `kl_div` with reduction="mean" is the per-sample KL
("batchmean") times 1/D, D the elements per sample, and so is its gradient and a plain SGD step.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

from lossscale_lint.config.options import AnalysisOptions  # noqa: E402
from lossscale_lint.pipeline.linting import lint_text  # noqa: E402

pytestmark = [pytest.mark.oracle, pytest.mark.slow]


def first_step(shape: tuple[int, ...], reduction: str, functional: bool) -> torch.Tensor:
    """The change of the student's weights after one SGD step on the KL against a fixed teacher."""
    torch.manual_seed(0)
    features = shape[-1]
    student = torch.nn.Linear(8, features, dtype=torch.float64)
    inputs = torch.randn(*shape[:-1], 8, dtype=torch.float64)
    targets = torch.softmax(torch.randn(*shape, dtype=torch.float64), dim=-1)
    before = student.weight.detach().clone()
    optimizer = torch.optim.SGD(student.parameters(), lr=0.1)
    log_probs = torch.log_softmax(student(inputs), dim=-1)
    if functional:
        loss = torch.nn.functional.kl_div(log_probs, targets, reduction=reduction)
    else:
        loss = torch.nn.KLDivLoss(reduction=reduction)(log_probs, targets)
    loss.backward()
    optimizer.step()
    return student.weight.detach() - before


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")  # torch's own warning
@pytest.mark.parametrize("shape", [(32, 10), (4, 16, 50)], ids=["B x classes", "B x T x vocabulary"])
@pytest.mark.parametrize("functional", [False, True], ids=["module", "functional"])
def test_the_mean_step_is_the_per_sample_step_times_one_over_d(shape, functional):
    elements_per_sample = 1
    for size in shape[1:]:
        elements_per_sample *= size
    mean_step = first_step(shape, "mean", functional)
    per_sample_step = first_step(shape, "batchmean", functional)
    # float64 rounding only (elements near zero differ in the 17th digit)
    torch.testing.assert_close(mean_step, per_sample_step / elements_per_sample, rtol=1e-9, atol=1e-15)


def test_the_message_states_that_factor():
    [diagnostic] = lint_text("import torch.nn as nn\nkl = nn.KLDivLoss()\n", "t.py", AnalysisOptions())
    assert diagnostic.code == "LSL107"
    assert diagnostic.factor.startswith('x 1/D against reduction="batchmean" (D = elements per sample')


def test_a_reduction_passed_in_is_reported_with_its_origin_and_no_fix():
    source = ("import torch.nn as nn\nclass RDrop(nn.Module):\n    def __init__(self, reduction='mean'):\n"
              "        self.kl = nn.KLDivLoss(reduction=reduction)\n")
    [diagnostic] = lint_text(source, "t.py", AnalysisOptions())
    assert 'reduction=reduction ("mean", default of parameter reduction (line 3))' in diagnostic.message
    assert diagnostic.fix is None
