"""Oracle for LSL105: a penalty summed over the batch's outputs, added to a mean data loss, weighs
B'/B times more against the data when the batch size goes from B to B'.

One sample replicated B times: the mean data term and its gradient are the same for any B, so
whatever changes is the penalty's weight. The gradients are real autograd.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

LAM = 1e-2


def gradients(batch_size: int, averaged: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """The weight's gradient of the page's data term and of its penalty, for one batch."""
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(1, 10, generator=generator, dtype=torch.float64).repeat(batch_size, 1)
    y = torch.randint(0, 2, (1,), generator=generator).repeat(batch_size)
    parts = []
    for part in ("data", "penalty"):
        torch.manual_seed(0)
        model = torch.nn.Linear(10, 2, dtype=torch.float64)
        outputs = model(x)
        penalty = LAM * outputs.abs().sum() / (x.size(0) if averaged else 1)
        (torch.nn.functional.cross_entropy(outputs, y) if part == "data" else penalty).backward()
        parts.append(model.weight.grad.clone())
    return parts[0], parts[1]


@pytest.mark.parametrize(("b", "b_new"), [(32, 64), (64, 16)])
def test_the_summed_penalty_weighs_b_new_over_b_more(b, b_new):
    data, penalty = gradients(b)
    data_new, penalty_new = gradients(b_new)
    torch.testing.assert_close(data_new, data, rtol=1e-12, atol=1e-15)  # the mean data term: unchanged
    torch.testing.assert_close(penalty_new, (b_new / b) * penalty, rtol=1e-12, atol=1e-15)  # x B'/B


def test_averaged_over_the_batch_it_keeps_its_weight():
    _, penalty = gradients(32, averaged=True)
    _, penalty_new = gradients(64, averaged=True)
    torch.testing.assert_close(penalty_new, penalty, rtol=1e-12, atol=1e-15)


def test_a_parameter_penalty_does_not_depend_on_the_batch():
    def l2_gradient(batch_size: int) -> torch.Tensor:
        torch.manual_seed(0)
        model = torch.nn.Linear(10, 2, dtype=torch.float64)
        model(torch.zeros(batch_size, 10, dtype=torch.float64))  # the batch plays no part
        (1e-4 * sum(p.pow(2).sum() for p in model.parameters())).backward()
        return model.weight.grad.clone()

    torch.testing.assert_close(l2_gradient(64), l2_gradient(32), rtol=0, atol=0)
