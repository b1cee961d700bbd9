"""Oracle: the update-site fact's two claims about hand-written gradient code, checked with torch.

1. A manual update (`p.data -= lr * (p.grad + wd * p.data)`, `p.add_(p.grad, alpha=-lr)`) is plain
   SGD with that lr and coupled decay, which is why LSL101/LSL102 treat it as `torch.optim.SGD`.
2. `p.grad.mul_(1 / K)` (or `div_(K)`, `torch._foreach_div_`) after K accumulated backward calls
   gives the gradient of the mean over the K micro-batches, which is why it silences LSL201.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

from lossscale_lint.config.options import AnalysisOptions  # noqa: E402
from lossscale_lint.pipeline.engine import module_facts  # noqa: E402

pytestmark = pytest.mark.oracle

LR, WD, K = 0.1, 0.01, 4


def _model(seed: int = 0) -> torch.nn.Linear:
    torch.manual_seed(seed)
    return torch.nn.Linear(6, 3)


def _batch(seed: int, size: int = 8):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(size, 6, generator=generator), torch.randint(0, 3, (size,), generator=generator)


def _summed_loss(model, batch):
    x, y = batch
    return torch.nn.functional.cross_entropy(model(x), y, reduction="sum")


def _sgd_step(model) -> None:
    opt = torch.optim.SGD(model.parameters(), lr=LR, weight_decay=WD)
    _summed_loss(model, _batch(1)).backward()
    opt.step()


# Each spelling is run by the test (never by the linter) and linted, so both claims hold for the same text.
MANUAL = (
    "p.data -= lr * (p.grad + wd * p.data)",
    "p -= lr * (p.grad + wd * p)",
    "p.add_(p.grad + wd * p, alpha=-lr)",
    "p.data.add_(p.grad + wd * p.data, alpha=-lr)",
    "p.data.add_(-lr, p.grad + wd * p.data)",  # the overload deprecated in torch 1.5, still accepted
    "p.sub_(lr * (p.grad + wd * p))",
    "p.data.sub_(p.grad + wd * p.data, alpha=lr)",
    "p.data.sub_(lr, p.grad + wd * p.data)",
)


@pytest.mark.filterwarnings("ignore:This overload of:UserWarning")  # the legacy spellings, on purpose
@pytest.mark.parametrize("statement", MANUAL)
def test_manual_update_is_sgd_with_coupled_decay(statement: str) -> None:
    reference, manual = _model(), _model()
    _sgd_step(reference)
    _summed_loss(manual, _batch(1)).backward()
    with torch.no_grad():
        for p in manual.parameters():
            exec(statement, {"p": p, "lr": LR, "wd": WD})
    for a, b in zip(reference.parameters(), manual.parameters()):
        assert torch.allclose(a, b, atol=1e-6)

    script = f"""
import torch
lr = {LR}
wd = {WD}
model = torch.nn.Linear(6, 3)
criterion = torch.nn.CrossEntropyLoss(reduction="sum")
for x, y in []:
    criterion(model(x), y).backward()
    with torch.no_grad():
        for p in model.parameters():
            {statement}
"""
    [site] = module_facts(script, "manual.py", AnalysisOptions()).updates
    optimizer = site.step.optimizer
    assert optimizer.family == "sgd" and not optimizer.decoupled
    assert (optimizer.lr.number, optimizer.weight_decay.number) == (LR, WD)


SCALINGS = {
    "mul_one_over_k": lambda grads: [g.mul_(1.0 / K) for g in grads],
    "div_k": lambda grads: [g.div_(K) for g in grads],
    "foreach_div": lambda grads: torch._foreach_div_(grads, K),
}


@pytest.mark.parametrize("name", sorted(SCALINGS))
def test_gradient_divided_by_k_after_accumulation_is_the_mean_over_micro_batches(name: str) -> None:
    model = _model()
    micro = [_batch(10 + i) for i in range(K)]
    for batch in micro:
        torch.nn.functional.cross_entropy(model(batch[0]), batch[1]).backward()
    SCALINGS[name]([p.grad for p in model.parameters()])
    accumulated = [p.grad.clone() for p in model.parameters()]

    model.zero_grad()
    x = torch.cat([b[0] for b in micro])
    y = torch.cat([b[1] for b in micro])
    torch.nn.functional.cross_entropy(model(x), y).backward()  # equal micro-batches: mean of means
    for got, want in zip(accumulated, (p.grad for p in model.parameters())):
        assert torch.allclose(got, want, atol=1e-6)


HELPER = """
import torch


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


lr = {lr}
batch_size = {batch}
model = torch.nn.Linear(6, 3)
criterion = torch.nn.CrossEntropyLoss(reduction="sum")
for x, y in batches(batch_size):
    criterion(model(x), y).backward()
    sgd(list(model.parameters()), lr, batch_size)
"""


@pytest.mark.parametrize("batch", [4, 16])
def test_sgd_helper_dividing_by_batch_size_keeps_the_mean_step(batch: int) -> None:
    """d2l's `sgd(params, lr, batch_size)` on a summed loss takes exactly the step of SGD on the
    mean loss, whatever B is: which is why its lr is read as divided by B and LSL101 stays silent."""
    namespace: dict = {}
    source = HELPER.format(lr=LR, batch=batch)
    exec(source.split("lr =")[0], namespace)  # only the helper's definition
    reference, manual = _model(), _model()
    x, y = _batch(3, batch)
    torch.optim.SGD(reference.parameters(), lr=LR).zero_grad()
    torch.nn.functional.cross_entropy(reference(x), y).backward()
    with torch.no_grad():
        for p in reference.parameters():
            p -= LR * p.grad
    torch.nn.functional.cross_entropy(manual(x), y, reduction="sum").backward()
    namespace["sgd"](list(manual.parameters()), LR, batch)
    for a, b in zip(reference.parameters(), manual.parameters()):
        assert torch.allclose(a, b, atol=1e-6)

    [site] = module_facts(source, "d2l_style.py", AnalysisOptions()).updates
    assert site.step.kind == "manual" and site.step.optimizer.family == "sgd"
    assert site.step.optimizer.lr.number == LR and site.step.optimizer.lr.batch_scaling == "div"
