"""Oracle for LSL208: accumulation by hand on top of a DeepSpeed engine.

DeepSpeed is not installed on the test machine and does not run on it, so the engine is EMULATED
here in plain torch, with the two behaviours LSL208 is about (DeepSpeed's runtime/engine.py,
ml-scaling-semantics.md section 6): `backward(loss)` backpropagates `loss / gradient_accumulation_steps`,
and `step()` counts its calls and steps the optimizer on every gradient_accumulation_steps-th one
(`(micro_steps + 1) % gas == 0`). Everything else (torch's autograd, SGD) is real; the factors the
linter prints are checked against it.
"""

from __future__ import annotations

import re

import pytest

from lossscale_lint.pipeline.engine import lint_source

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

LR = 0.1
MICRO = 8  # the micro-batch size


class EmulatedEngine:
    """Plain-torch stand-in for a DeepSpeed engine's backward/step (not DeepSpeed itself)."""

    def __init__(self, model, gas: int) -> None:
        self.model, self.gas, self.micro_steps = model, gas, 0
        self.optimizer = torch.optim.SGD(model.parameters(), lr=LR)

    def __call__(self, inputs):
        return self.model(inputs)

    def backward(self, loss) -> None:
        (loss / self.gas).backward()  # scale_wrt_gas=True, the default

    def step(self) -> None:
        if (self.micro_steps + 1) % self.gas == 0:  # the accumulation boundary
            self.optimizer.step()
            self.optimizer.zero_grad()
        self.micro_steps += 1


def micro_batches(count: int):
    generator = torch.Generator().manual_seed(5)
    return [(torch.randn(MICRO, 10, generator=generator, dtype=torch.float64),
             torch.randint(0, 2, (MICRO,), generator=generator)) for _ in range(count)]


def model():
    torch.manual_seed(0)
    return torch.nn.Linear(10, 2, dtype=torch.float64)


def reference_update(batches) -> torch.Tensor:
    """One real SGD step on the mean loss over all of `batches` at once."""
    net = model()
    before = net.weight.detach().clone()
    inputs, targets = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    torch.nn.functional.cross_entropy(net(inputs), targets).backward()
    torch.optim.SGD(net.parameters(), lr=LR).step()
    return net.weight.detach() - before


def engine_run(batches, gas: int, guard: int = 1, divide_by: int = 1):
    """The training loop on the emulated engine; the weight change after each micro-batch."""
    engine = EmulatedEngine(model(), gas)
    before = engine.model.weight.detach().clone()
    changes = []
    for i, (inputs, targets) in enumerate(batches):
        loss = torch.nn.functional.cross_entropy(engine(inputs), targets) / divide_by
        engine.backward(loss)
        if (i + 1) % guard == 0:
            engine.step()
        changes.append(engine.model.weight.detach() - before)
    return changes


def factor_of(source: str) -> str:
    [diagnostic] = [d for d in lint_source(source, "case.py") if d.code == "LSL208"]
    return diagnostic.factor


GUARD_SCRIPT = """\
import deepspeed
import torch.nn.functional as F

accumulation_steps = {k}


def train(model, loader, config):
    engine, optimizer, _, _ = deepspeed.initialize(model=model, config=config)
    for i, (x, y) in enumerate(loader):
        engine.backward(F.cross_entropy(engine(x), y))
        if (i + 1) % accumulation_steps == 0:
            engine.step()
"""

DIVISION_SCRIPT = """\
import deepspeed
import torch.nn.functional as F

gradient_accumulation_steps = {k}


def train(model, loader, config):
    engine, optimizer, _, _ = deepspeed.initialize(model=model, config=config)
    for x, y in loader:
        loss = F.cross_entropy(engine(x), y) / gradient_accumulation_steps
        engine.backward(loss)
        engine.step()
"""


def test_the_emulated_engine_alone_gives_the_mean_step_of_its_window():
    batches = micro_batches(4)
    changes = engine_run(batches, gas=4)
    assert changes[2].abs().max() == 0  # no update before the boundary
    torch.testing.assert_close(changes[3], reference_update(batches), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(("k", "gas"), [(2, 4), (3, 2), (4, 1)])
def test_a_manual_guard_makes_k_x_gas_micro_batches_and_k_times_the_mean(k, gas):
    printed = factor_of(GUARD_SCRIPT.format(k=k))
    # "micro-batches per update x K (xk), gradient x K (xk)"
    assert re.findall(r"\(x([0-9.]+)\)", printed) == [f"{k:g}", f"{k:g}"], printed
    batches = micro_batches(k * gas)
    changes = engine_run(batches, gas=gas, guard=k)
    if k * gas > 1:
        assert changes[k * gas - 2].abs().max() == 0  # nothing stepped before K x K_ds micro-batches
    torch.testing.assert_close(changes[-1], k * reference_update(batches), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(("k", "gas"), [(8, 8), (4, 4), (2, 4)])
def test_a_manual_division_divides_the_mean_step_by_k_whatever_gas_is(k, gas):
    printed = factor_of(DIVISION_SCRIPT.format(k=k))
    assert printed.endswith(f"(x{1 / k:g})"), printed
    batches = micro_batches(gas)
    changes = engine_run(batches, gas=gas, divide_by=k)
    torch.testing.assert_close(changes[-1], reference_update(batches) / k, rtol=1e-10, atol=1e-14)
