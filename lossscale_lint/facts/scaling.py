"""The scaling arithmetic behind every number lossscale-lint prints.

Pure functions of plain numbers: no torch, no libcst. The rules (LSL101-104, LSL201/202, LSL501-505)
and the advisor call these, and `tests/oracle/` checks each one against parameter updates measured
with real PyTorch.

Notation: B is the batch size one loss sees, B' the new batch size,
lr the learning rate, wd the weight decay, N the training-set size, K the accumulation steps and
g the mean per-example gradient of a batch. A summed loss has gradient B*g, a mean loss g.

"Factor" always means new / old, so x4 is four times larger and x0.25 a quarter.
"""

from __future__ import annotations

import math
from typing import Literal

# Not a vocabulary of its own: the values of `facts.model.Reduction.SUM` / `.MEAN`, which callers
# pass (a StrEnum equals its value). Spelled as strings because this module stays pure math and
# imports nothing from the package; other members ("none", "batchmean") are the caller's to map.
ReductionKind = Literal["sum", "mean"]
# "sgd": the step is proportional to the gradient (SGD, momentum, ASGD). "adaptive": the step is
# normalised by a running gradient magnitude (Adam family, RMSprop, Adagrad), so a constant loss
# scale cancels out (up to eps).
OptimizerFamily = Literal["sgd", "adaptive"]
# "coupled": weight decay added to the gradient (torch SGD/Adam weight_decay) or an explicit
# penalty in the loss. "decoupled": the parameters shrink by lr*wd per step (AdamW).
DecayKind = Literal["coupled", "decoupled"]
LrRule = Literal["keep-the-step", "linear", "square-root"]


def _check_positive(**values: float) -> None:
    # Every formula here divides by or takes ratios of these; a zero or negative batch size or lr
    # would give a meaningless number, so callers learn about it instead.
    for name, value in values.items():
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value!r}")


def batch_size_ratio(old_batch: float, new_batch: float) -> float:
    """k = B'/B."""
    _check_positive(old_batch=old_batch, new_batch=new_batch)
    return new_batch / old_batch


# --- per-step update under a batch-size change -------------------------------------------------


def step_factor(
    reduction: ReductionKind, family: OptimizerFamily, old_batch: float, new_batch: float
) -> float:
    """Factor of the per-step data update when the batch size goes B -> B' (lr unchanged).

    sgd + sum:  step = lr*B*g  ->  factor B'/B
    sgd + mean: step = lr*g    ->  factor 1
    adaptive:   the loss scale cancels in the normalisation  ->  factor 1 (up to eps)
    """
    k = batch_size_ratio(old_batch, new_batch)
    return k if family == "sgd" and reduction == "sum" else 1.0


def lr_keeping_step(lr: float, old_batch: float, new_batch: float) -> float:
    """The lr that keeps an SGD step on a summed loss unchanged when B -> B': lr' = lr * B/B'."""
    return lr / batch_size_ratio(old_batch, new_batch)


# --- changing the reduction -----------------------------------------------------------------------


def reduction_change_factor(
    old_reduction: ReductionKind, new_reduction: ReductionKind, batch_size: float
) -> float:
    """Factor of the gradient (and of an SGD step) when the reduction changes at batch size B.

    mean -> sum: x B  (grad of the sum is B*g)
    sum -> mean: x 1/B
    unchanged:   x 1
    """
    _check_positive(batch_size=batch_size)
    if old_reduction == new_reduction:
        return 1.0
    return batch_size if new_reduction == "sum" else 1.0 / batch_size


def lr_compensating_reduction_change(
    lr: float, old_reduction: ReductionKind, new_reduction: ReductionKind, batch_size: float
) -> float:
    """The lr that keeps an SGD step unchanged across a reduction change: lr' = lr / factor.

    sum -> mean: lr' = lr * B;  mean -> sum: lr' = lr / B.
    """
    return lr / reduction_change_factor(old_reduction, new_reduction, batch_size)


# --- regularization -------------------------------------------------------------------------------


def effective_regularization_weight(
    weight_decay: float, reduction: ReductionKind, batch_size: float
) -> float:
    """Weight of coupled decay (or an explicit penalty) relative to the mean data gradient.

    sum:  the step is lr*(B*g + wd*w) = lr*B*(g + (wd/B)*w)  ->  wd/B
    mean: the step is lr*(g + wd*w)                            ->  wd
    The objective itself is ridge with this coefficient, whatever the optimizer or lr.
    """
    _check_positive(batch_size=batch_size)
    return weight_decay / batch_size if reduction == "sum" else weight_decay


def regularization_factor(
    decay: DecayKind,
    reduction: ReductionKind,
    old_batch: float,
    new_batch: float,
    old_lr: float,
    new_lr: float,
) -> float:
    """Factor of the regularization strength under B -> B' and lr -> lr' (wd unchanged).

    coupled (relative to the data term, wd/B for a summed loss):
        sum:  (wd/B')/(wd/B) = B/B'   (lr multiplies both terms and cancels)
        mean: 1
    decoupled (decay per epoch, (N/B)*lr*wd; N cancels):
        (B/B') * (lr'/lr)
    """
    k = batch_size_ratio(old_batch, new_batch)
    if decay == "coupled":
        return 1.0 / k if reduction == "sum" else 1.0
    _check_positive(old_lr=old_lr, new_lr=new_lr)
    return (new_lr / old_lr) / k


def weight_decay_keeping_regularization(
    weight_decay: float,
    decay: DecayKind,
    reduction: ReductionKind,
    old_batch: float,
    new_batch: float,
    old_lr: float,
    new_lr: float,
) -> float:
    """The weight decay that undoes `regularization_factor`: wd' = wd / factor.

    coupled + sum: wd * B'/B;  decoupled: wd * (B'/B) * (lr/lr').
    """
    factor = regularization_factor(decay, reduction, old_batch, new_batch, old_lr, new_lr)
    return weight_decay / factor


def decay_per_step(lr: float, weight_decay: float) -> float:
    """Fraction a decoupled (AdamW) decay removes from each weight per step: lr*wd.

    (w_{t+1} = (1 - lr*wd) * w_t before the gradient part of the update.)
    """
    return lr * weight_decay


def decay_per_epoch(
    lr: float, weight_decay: float, dataset_size: float, batch_size: float
) -> float:
    """Decay exponent per epoch: (N/B)*lr*wd (w shrinks by about exp(-this) per epoch)."""
    _check_positive(dataset_size=dataset_size, batch_size=batch_size)
    return dataset_size / batch_size * decay_per_step(lr, weight_decay)


def decay_timescale_epochs(
    lr: float, weight_decay: float, dataset_size: float, batch_size: float
) -> float:
    """The EMA timescale of decoupled decay in epochs: tau_epoch = B/(lr*wd*N).

    (tau_iter = 1/(lr*wd) steps, N/B steps per epoch; Wang & Aitchison.) Infinite without decay.
    """
    per_epoch = decay_per_epoch(lr, weight_decay, dataset_size, batch_size)
    return math.inf if per_epoch == 0 else 1.0 / per_epoch


# --- clipping -------------------------------------------------------------------------------------


def clip_threshold_in_mean_units(
    threshold: float, reduction: ReductionKind, batch_size: float
) -> float:
    """What a fixed clip_grad_norm_ threshold c means for the mean gradient.

    sum: the clipped gradient is B*g, so ||B*g|| <= c  <=>  ||g|| <= c/B  ->  c/B
    mean: c
    """
    _check_positive(batch_size=batch_size)
    return threshold / batch_size if reduction == "sum" else threshold


def clipping_pressure_factor(reduction: ReductionKind, old_batch: float, new_batch: float) -> float:
    """Factor of the pre-clip gradient norm relative to a fixed threshold when B -> B'.

    sum: ||B'*g|| / ||B*g|| = B'/B (the threshold bites B'/B times harder);
    mean: 1 (for the same mean gradient; sampling noise aside).
    """
    k = batch_size_ratio(old_batch, new_batch)
    return k if reduction == "sum" else 1.0


def clip_threshold_keeping_pressure(
    threshold: float, reduction: ReductionKind, old_batch: float, new_batch: float
) -> float:
    """The threshold that keeps clipping equally strict after B -> B': c' = c * pressure factor."""
    return threshold * clipping_pressure_factor(reduction, old_batch, new_batch)


# --- accumulation and partial batches -------------------------------------------------------------


def accumulation_factor(steps: int, divisions: int) -> float:
    """Factor of the accumulated gradient vs. one full-batch step, K = steps micro-batches.

    K mean-loss backward passes sum to K*g; each division of the loss by K removes one K:
    factor = K**(1 - divisions). 0 divisions (missing): K; 1: 1 (correct); 2 (double): 1/K.
    """
    _check_positive(steps=steps)
    return float(steps) ** (1 - divisions)


def last_batch_weight(dataset_size: int, batch_size: int) -> float:
    """Weight of the last partial batch when its loss is divided by a fixed B: r/B, r = N mod B.

    With drop_last=False the last batch holds r samples; dividing their summed loss by B instead of
    r scales that step by r/B. No partial batch (r = 0) gives 1.
    """
    _check_positive(dataset_size=dataset_size, batch_size=batch_size)
    remainder = dataset_size % batch_size
    return 1.0 if remainder == 0 else remainder / batch_size


def steps_per_epoch(dataset_size: int, batch_size: int, drop_last: bool = False) -> int:
    """Optimizer steps per epoch: ceil(N/B), or floor(N/B) with drop_last."""
    _check_positive(dataset_size=dataset_size, batch_size=batch_size)
    return dataset_size // batch_size if drop_last else math.ceil(dataset_size / batch_size)


# --- the lr after a batch-size change -------------------------------------------------------------


def linear_scaling_lr(lr: float, old_batch: float, new_batch: float) -> float:
    """Linear scaling rule (Goyal et al. 2017, SGD with warm-up): lr' = lr * B'/B."""
    return lr * batch_size_ratio(old_batch, new_batch)


def sqrt_scaling_lr(lr: float, old_batch: float, new_batch: float) -> float:
    """Square-root rule (Malladi et al. 2022, Adam family): lr' = lr * sqrt(B'/B)."""
    return lr * math.sqrt(batch_size_ratio(old_batch, new_batch))


def lr_rule(reduction: ReductionKind, family: OptimizerFamily) -> LrRule:
    """Which lr rule applies to a batch-size change.

    sgd + sum: keep-the-step (the step already grows with B; only this rule is exact);
    sgd + mean: linear (heuristic); adaptive: square-root (heuristic; the reduction cancels).
    """
    if family == "adaptive":
        return "square-root"
    return "keep-the-step" if reduction == "sum" else "linear"


def suggested_lr(
    lr: float, reduction: ReductionKind, family: OptimizerFamily, old_batch: float, new_batch: float
) -> tuple[float, LrRule]:
    """The new lr under `lr_rule` for B -> B', with the rule's name."""
    rule = lr_rule(reduction, family)
    formulas = {"keep-the-step": lr_keeping_step, "linear": linear_scaling_lr}
    formula = formulas.get(rule, sqrt_scaling_lr)
    return formula(lr, old_batch, new_batch), rule


# --- formatting for messages ----------------------------------------------------------------------


def format_number(value: float, significant: int = 6) -> str:
    """A number as a person would write it: 0.025, 32, 1e-5, 2.5e-4 (no float noise).

    Rounds to `significant` digits so that 0.1*32/128 prints 0.025, not 0.025000000000000001.
    """
    if not math.isfinite(value):
        return str(value)
    rounded = float(f"{value:.{significant}g}")
    if rounded == int(rounded) and abs(rounded) < 1e16:
        return str(int(rounded))
    text = repr(rounded)
    mantissa, _, exponent = text.partition("e")
    if not exponent:
        return text
    # repr writes 1e-05; drop the padding zero and a redundant '+'.
    sign = "-" if exponent.startswith("-") else ""
    return f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0')}"


def format_factor(factor: float) -> str:
    """A factor for messages: 4.0 -> "x4", 0.25 -> "x0.25", 1/3 -> "x0.3333"."""
    return "x" + format_number(factor, significant=4)
