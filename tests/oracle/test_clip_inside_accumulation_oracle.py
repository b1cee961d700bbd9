"""Oracle for LSL205: clipping after every micro-batch backward is not clipping the accumulated
gradient. Clipping once before the step gives exactly the clipped full-batch step; clipping each
partial sum gives another update, and one that changes with K and with the micro-batch order.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

MAX_NORM = 0.05  # small enough that every partial sum is clipped


def batch(size: int = 32):
    generator = torch.Generator().manual_seed(3)
    return (torch.randn(size, 10, generator=generator, dtype=torch.float64),
            torch.randint(0, 2, (size,), generator=generator))


def step(micro_batches, clip_each: bool) -> torch.Tensor:
    """One accumulated SGD step over `micro_batches` (the loss divided by their number)."""
    torch.manual_seed(0)
    model = torch.nn.Linear(10, 2, dtype=torch.float64)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = model.weight.detach().clone()
    for inputs, targets in micro_batches:
        (torch.nn.functional.cross_entropy(model(inputs), targets) / len(micro_batches)).backward()
        if clip_each:
            torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM)
    if not clip_each:
        torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM)
    optimizer.step()
    return model.weight.detach() - before


def split(k: int, order=None):
    inputs, targets = batch()
    pieces = list(zip(inputs.chunk(k), targets.chunk(k), strict=True))
    return [pieces[i] for i in order] if order else pieces


def test_clipping_once_is_the_clipped_full_batch_step():
    full = step([batch()], clip_each=False)
    torch.testing.assert_close(step(split(4), clip_each=False), full, rtol=1e-10, atol=1e-15)


def test_clipping_every_micro_batch_is_another_step():
    full = step([batch()], clip_each=False)
    every = step(split(4), clip_each=True)
    assert (every - full).norm() > 0.1 * full.norm()


def test_and_it_depends_on_k_and_on_the_order():
    assert (step(split(4), clip_each=True) - step(split(2), clip_each=True)).norm() > 1e-6
    assert (step(split(4), clip_each=True) - step(split(4, order=[3, 2, 1, 0]), clip_each=True)).norm() > 1e-6
