"""How to stop a summed loss's step from growing with B while keeping today's step, in words.

Dividing the summed loss by the batch length (`y.size(0)`) divides its gradient by exactly B for
every loss, so multiplying lr by today's B keeps today's step. `reduction="mean"` does the same
only for losses whose mean divides by the samples (cross entropy, NLL, triplet, ...); an
element-wise mean (MSE, L1, BCE, SmoothL1, Huber, ...) divides by every element, B*D, so
"mean with lr x B" would shrink the step by D. Used by LSL101, LSL104, LSL501 and LSL502.
"""

from __future__ import annotations

from lossscale_lint.facts.model import DataTerm, MeanDivisor, Value
from lossscale_lint.facts.scaling import format_number


def batch_length(term: DataTerm | None) -> str:
    """`y.size(0)` for the last plain-name tensor the loss is evaluated on (the target), else a
    placeholder the reader recognises."""
    if term is not None and term.batch_length:
        return term.batch_length
    if term is not None and term.tensor_args:
        return f"{term.tensor_args[-1]}.size(0)"
    return "x.size(0)"


def lr_times(lr: Value | None, batch: float | None) -> str:
    """`multiply lr by 64 (0.01 -> 0.64)`, or by the batch size B when it is not known."""
    if batch is None:
        return "multiply lr by the batch size B"
    words = f"multiply lr by {format_number(batch)}"
    if lr is not None and lr.number:
        words += f" ({format_number(lr.number)} -> {format_number(lr.number * batch)})"
    return words


def keep_step_suggestion(
    term: DataTerm | None, lr: Value | None, batch: float | None, *, today: str = "today's"
) -> str:
    """Divide by the batch length (exact for every loss), or use reduction="mean" where its divisor
    is the batch. `batch` is the B whose step is kept, `today` names which step that is."""
    scale = lr_times(lr, batch)
    divide = f"divide the loss by `{batch_length(term)}`"
    if term is not None and term.loss.mean_is_per_sample and not term.batch_length:
        return f'use reduction="mean" or {divide}, and {scale} to keep {today} step'
    if term is not None and term.elements_per_example == 1 and not term.batch_length:
        # One value per example (`nn.Linear(.., 1)`): the element-wise mean divides by B alone.
        return (f'use reduction="mean" (the model outputs one value per example, so its mean divides '
                f"by B) or {divide}, and {scale} to keep {today} step")
    advice = f"{divide} and {scale} to keep {today} step"
    if term is None or term.batch_length or term.loss.mean_divides_by is not MeanDivisor.ELEMENTS:
        return advice  # what its mean divides by is unknown: say nothing about it
    mean = "`.mean()`" if term.loss.kind == "manual" else f'reduction="mean" on `{term.loss.name}`'
    return (f"{advice}; {mean} divides by every element (B*D), not by B, so with that lr it would make "
            "the step D times smaller")
