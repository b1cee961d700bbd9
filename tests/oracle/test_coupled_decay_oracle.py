"""Oracle for LSL404: with coupled weight decay, an adaptive optimizer's decay shrinks to wd / c
when the loss is scaled by c, while the data step stays the same ("decay x 1/c for a loss x c").

The decay's part of the update is measured as the difference between a run with weight decay and
the same run without it; scaling the loss by c must divide that difference by c.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

from lossscale_lint.config.options import AnalysisOptions  # noqa: E402
from lossscale_lint.facts.catalog import OPTIMIZERS  # noqa: E402
from lossscale_lint.pipeline.linting import lint_text  # noqa: E402

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

COUPLED = sorted(o.name for o in OPTIMIZERS if o.coupled_decay_normalised)


def weights(optimizer_name: str, loss_scale: float, weight_decay: float, steps: int) -> list[torch.Tensor]:
    """The weights after each of `steps` steps on the same batches."""
    torch.manual_seed(0)
    model = torch.nn.Linear(10, 2, dtype=torch.float64)
    optimizer = getattr(torch.optim, optimizer_name)(model.parameters(), lr=1e-2, weight_decay=weight_decay)
    batches = torch.Generator().manual_seed(1)
    trajectory = [model.weight.detach().clone()]
    for _ in range(steps):
        inputs = torch.randn(32, 10, generator=batches, dtype=torch.float64)
        targets = torch.randint(0, 2, (32,), generator=batches)
        loss = loss_scale * torch.nn.functional.cross_entropy(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        trajectory.append(model.weight.detach().clone())
    return trajectory


def decay_part_of_last_step(optimizer_name: str, loss_scale: float, steps: int) -> torch.Tensor:
    decayed = weights(optimizer_name, loss_scale, 1e-3, steps)
    plain = weights(optimizer_name, loss_scale, 0.0, steps)
    return (decayed[-1] - decayed[-2]) - (plain[-1] - plain[-2])


def test_the_catalog_covers_the_optimizers_the_page_names():
    assert COUPLED == ["Adadelta", "Adagrad", "Adam", "Adamax", "NAdam", "RAdam", "RMSprop"]


@pytest.mark.parametrize("optimizer_name", COUPLED)
@pytest.mark.parametrize("loss_scale", [8.0, 32.0])
def test_the_decay_shrinks_to_one_over_c(optimizer_name, loss_scale):
    # RAdam's first steps are un-rectified (proportional to the gradient): measure after them.
    steps = 8 if optimizer_name == "RAdam" else 5
    at_one = decay_part_of_last_step(optimizer_name, 1.0, steps)
    scaled = decay_part_of_last_step(optimizer_name, loss_scale, steps)
    ratio = (at_one.norm() / scaled.norm()).item()
    assert ratio == pytest.approx(loss_scale, rel=0.03), ratio


def test_the_data_step_does_not_follow_the_loss_scale():
    # What the message says stays the same: without decay, Adam's step barely moves with c.
    one, scaled = weights("Adam", 1.0, 0.0, 5), weights("Adam", 32.0, 0.0, 5)
    torch.testing.assert_close(one[-1] - one[0], scaled[-1] - scaled[0], rtol=1e-3, atol=1e-9)


def test_the_message_states_that_factor():
    source = "import torch\nopt = torch.optim.Adam([], weight_decay=1e-4)\n"
    [diagnostic] = lint_text(source, "t.py", AnalysisOptions())
    assert (diagnostic.code, diagnostic.factor) == ("LSL404", "decay x 1/c for a loss x c (the data step unchanged)")
