"""Oracle for LSL207: with the loss divided by a fixed K, the epoch's short last window of r
micro-batches is an update r/K of a full one when a step after the loop applies it, and carried
into the next epoch it makes that epoch's first update (K + r)/K of a full one.

The micro-batches are one batch replicated, so every window has the same mean gradient and a
window's update can be compared with a full window's from the same parameters.
"""

from __future__ import annotations

import copy

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

K, N = 4, 10  # 10 micro-batches: two full windows and a last one of r = 2
R = N % K


def make():
    torch.manual_seed(0)
    model = torch.nn.Linear(10, 2, dtype=torch.float64)
    generator = torch.Generator().manual_seed(3)
    batch = (torch.randn(8, 10, generator=generator, dtype=torch.float64),
             torch.randint(0, 2, (8,), generator=generator))
    return model, [batch] * N


def full_window_update(model, batch) -> torch.Tensor:
    """The update of one full window of K micro-batches, from `model`'s parameters."""
    model = copy.deepcopy(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = model.weight.detach().clone()
    for _ in range(K):
        (torch.nn.functional.cross_entropy(model(batch[0]), batch[1]) / K).backward()
    optimizer.step()
    return model.weight.detach() - before


def train(model, micro_batches, epochs: int, step_after_loop: bool):
    """The page's loop; returns (update, full-window update from the same parameters) per step."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    steps = []

    def step():
        start = copy.deepcopy(model)
        for p in start.parameters():
            p.grad = None  # the reference window starts from zero gradients
        before = model.weight.detach().clone()
        reference = full_window_update(start, micro_batches[0])
        optimizer.step()
        optimizer.zero_grad()
        steps.append((model.weight.detach() - before, reference))

    for _ in range(epochs):
        for i, (inputs, targets) in enumerate(micro_batches):
            loss = torch.nn.functional.cross_entropy(model(inputs), targets) / K
            loss.backward()
            if (i + 1) % K == 0:
                step()
        if step_after_loop:
            step()
    return steps


def ratio(update: torch.Tensor, reference: torch.Tensor) -> float:
    r = (update.flatten() @ reference.flatten()) / (reference.flatten() @ reference.flatten())
    torch.testing.assert_close(update, r * reference, rtol=1e-9, atol=1e-15)  # the same direction
    return float(r)


def test_full_windows_are_full_updates():
    model, micro_batches = make()
    steps = train(model, micro_batches, epochs=1, step_after_loop=True)
    assert len(steps) == N // K + 1
    for update, reference in steps[:-1]:
        assert ratio(update, reference) == pytest.approx(1.0, rel=1e-12)


def test_the_step_after_the_loop_is_r_over_k_of_an_update():
    model, micro_batches = make()
    update, reference = train(model, micro_batches, epochs=1, step_after_loop=True)[-1]
    assert ratio(update, reference) == pytest.approx(R / K, rel=1e-12)  # 2/4 = 0.5, the message's r/K
    assert R / K == 0.5


def test_carried_into_the_next_epoch_it_is_k_plus_r_over_k():
    model, micro_batches = make()
    steps = train(model, micro_batches, epochs=2, step_after_loop=False)
    first_of_second_epoch = steps[N // K]
    assert ratio(*first_of_second_epoch) == pytest.approx((K + R) / K, rel=1e-12)  # 1.5
