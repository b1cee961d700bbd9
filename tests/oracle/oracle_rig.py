"""A tiny, deterministic PyTorch training rig for the oracle tests.

Everything runs on the CPU in float64 with fixed seeds, so that identities the scaling module
claims to be exact can be checked to ~1e-12 and approximate ones with a tolerance that is stated
where it is used. The model is a small MLP classifier trained with cross-entropy: its "mean"
reduction divides by the batch size B exactly (no class weights, no ignored targets), unlike
MSE whose mean divides by B times the output width.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

DTYPE = torch.float64
# The tensors here are tiny: worker threads only add start-up cost and fight the other tests for
# the CPU cores.
torch.set_num_threads(1)
FEATURES = 4
CLASSES = 3

Batch = tuple[torch.Tensor, torch.Tensor]
# A loss function of (logits, targets); it decides the reduction and any division.
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
OptimizerFactory = Callable[[list[torch.nn.Parameter]], torch.optim.Optimizer]


def make_data(count: int, seed: int = 0) -> Batch:
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(count, FEATURES, generator=generator, dtype=DTYPE)
    targets = torch.randint(0, CLASSES, (count,), generator=generator)
    return inputs, targets


def make_batches(steps: int, batch_size: int, seed: int = 0) -> list[Batch]:
    inputs, targets = make_data(steps * batch_size, seed)
    return list(zip(inputs.split(batch_size), targets.split(batch_size), strict=True))


def make_regression_batches(steps: int, batch_size: int, seed: int = 0) -> list[Batch]:
    """Batches with float targets of the model's output width (D = CLASSES elements per example),
    for element-wise losses such as MSE, whose "mean" divides by B*D."""
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(steps * batch_size, FEATURES, generator=generator, dtype=DTYPE)
    targets = torch.randn(steps * batch_size, CLASSES, generator=generator, dtype=DTYPE)
    return list(zip(inputs.split(batch_size), targets.split(batch_size), strict=True))


def replicate(batch: Batch, times: int) -> Batch:
    """The same examples `times` over: a batch of size times*B whose mean gradient is unchanged.

    This isolates the effect of the batch size on the loss *scale* from sampling noise, which is
    exactly what the formulas describe ("for the same mean gradient").
    """
    inputs, targets = batch
    return inputs.repeat(times, 1), targets.repeat(times, *([1] * (targets.dim() - 1)))


def make_model(seed: int = 1) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(FEATURES, 8), torch.nn.Tanh(), torch.nn.Linear(8, CLASSES)
    ).to(DTYPE)


def cross_entropy(reduction: str, divisor: float = 1.0) -> LossFn:
    def loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits, targets, reduction=reduction) / divisor

    return loss


def flat_parameters(model: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()


@dataclass
class Run:
    """Parameters after each step (index 0: initial) and each step's pre-clip gradient norm."""

    parameters: list[torch.Tensor]
    grad_norms: list[float]

    def update(self, step: int = 0) -> torch.Tensor:
        return self.parameters[step + 1] - self.parameters[step]

    @property
    def total_update(self) -> torch.Tensor:
        return self.parameters[-1] - self.parameters[0]


def train(
    steps: Sequence[Batch | list[Batch]],
    optimizer: OptimizerFactory,
    loss: LossFn,
    *,
    clip_norm: float | None = None,
    model_seed: int = 1,
) -> Run:
    """Train a fresh model (same initial weights every call) for one optimizer step per entry.

    An entry is a batch, or a list of micro-batches whose backward passes accumulate before the
    step (the loss function applies any division by K).
    """
    model = make_model(model_seed)
    opt = optimizer(list(model.parameters()))
    run = Run(parameters=[flat_parameters(model)], grad_norms=[])
    for entry in steps:
        micro_batches = entry if isinstance(entry, list) else [entry]
        opt.zero_grad()
        for inputs, targets in micro_batches:
            loss(model(inputs), targets).backward()
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        if clip_norm is None:
            norm = torch.linalg.vector_norm(torch.cat([g.reshape(-1) for g in grads]))
        else:
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        run.grad_norms.append(float(norm))
        opt.step()
        run.parameters.append(flat_parameters(model))
    return run


def sgd(lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> OptimizerFactory:
    return lambda params: torch.optim.SGD(
        params, lr=lr, momentum=momentum, weight_decay=weight_decay
    )


def adam(lr: float, eps: float = 1e-8) -> OptimizerFactory:
    return lambda params: torch.optim.Adam(params, lr=lr, eps=eps)


def adamw(lr: float, weight_decay: float) -> OptimizerFactory:
    return lambda params: torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)


def norm_ratio(numerator: torch.Tensor, denominator: torch.Tensor) -> float:
    return float(torch.linalg.vector_norm(numerator) / torch.linalg.vector_norm(denominator))


def assert_same_trajectory(first: Run, second: Run, rtol: float = 1e-10) -> None:
    for step, (a, b) in enumerate(zip(first.parameters, second.parameters, strict=True)):
        torch.testing.assert_close(
            a, b, rtol=rtol, atol=rtol, msg=lambda m, s=step: f"step {s}: {m}"
        )


def regularization_to_data_ratio(batch: Batch, lr: float, wd: float, reduction: str) -> float:
    """|decay part| / |data part| of one SGD step from the same weights, both measured."""
    with_decay = train([batch], sgd(lr, weight_decay=wd), cross_entropy(reduction))
    data_only = train([batch], sgd(lr), cross_entropy(reduction))
    decay_part = with_decay.update() - data_only.update()
    return norm_ratio(decay_part, data_only.update())


def adamw_decay_exponent(lr: float, wd: float, steps: int) -> float:
    """-log(w_T / w_0) after `steps` AdamW steps with a zero gradient (the decay alone)."""
    weight = torch.nn.Parameter(torch.ones(3, dtype=DTYPE))
    opt = torch.optim.AdamW([weight], lr=lr, weight_decay=wd)
    for _ in range(steps):
        opt.zero_grad()
        (weight * 0.0).sum().backward()
        opt.step()
    return -math.log(float(weight.detach()[0]))
