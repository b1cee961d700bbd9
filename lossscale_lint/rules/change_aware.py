"""LSL501-LSL505: what a change against the git base does to the size of each update.

These rules compare the facts of a module with the facts of the same module at `--base REV`, loop
by loop (a loop is known by its function and its rank there, so edits around it do not matter).
Values are compared as numbers, so `0.1` -> `1e-1`, `2 ** 5` -> `32`, a renamed variable or a
reformatted line are no change at all. Every number comes from `lossscale_lint.facts.scaling`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lossscale_lint.diagnostics import Diagnostic, Related, Severity, Span
from lossscale_lint.facts.model import MeanDivisor, ModuleFacts, Reduction, Value
from lossscale_lint.rules.base import Rule, RuleContext
from lossscale_lint.rules.keep_step import batch_length, keep_step_suggestion, lr_times
from lossscale_lint.facts.loops import (
    TrainingLoop,
    describe_source,
    paired_loops,
    unchanged,
    value_ratio,
)
from lossscale_lint.facts.scaling import (
    format_factor,
    format_number,
    lr_compensating_reduction_change,
    lr_keeping_step,
    reduction_change_factor,
    regularization_factor,
    step_factor,
    suggested_lr,
    weight_decay_keeping_regularization,
)

HEURISTIC_NOTES = {
    "linear": "linear scaling rule (Goyal et al. 2017): a heuristic for SGD that needs a learning-rate "
    "warm-up and stops holding beyond a few thousand examples per batch",
    "square-root": "square-root rule (Malladi et al. 2022): a heuristic for Adam-family optimizers, "
    "derived for batches below the critical batch size",
}


class BatchChange:
    """The training batch size at the base and now, when both are known and they differ."""

    def __init__(self, base: ModuleFacts, new: ModuleFacts) -> None:
        self.old_source, self.new_source = base.training_batch_size(), new.training_batch_size()
        self.old = self.old_source.value.number if self.old_source else None
        self.new = self.new_source.value.number if self.new_source else None

    @property
    def known(self) -> bool:
        return self.old is not None and self.new is not None

    @property
    def changed(self) -> bool:
        return self.known and self.old != self.new

    def words(self) -> str:
        where = describe_source(self.new_source)
        return f"the batch size ({where}) changed from {format_number(self.old)} to {format_number(self.new)}"

    def span(self, fallback: Span) -> Span:
        return self.new_source.value.span if self.new_source is not None else fallback


def _lr_words(old: TrainingLoop, new: TrainingLoop, ratio: float) -> str:
    if unchanged(ratio):
        return "lr unchanged"
    return f"lr {_shown(old.optimizer.lr)} -> {_shown(new.optimizer.lr)} = {format_factor(ratio)}"


def _shown(value: Value) -> str:
    """A setting as a number when known (`args.lr` reads its default), else as written."""
    return format_number(value.number) if value.number is not None else value.source


def _compensating_lr(old: TrainingLoop, keep: Callable[[float], float]) -> str:
    """`lr 0.1 -> 0.025` when the base lr is a known number, else `lr x0.25` (keep is linear in lr)."""
    lr = old.optimizer.lr
    if lr is not None and lr.number:
        return f"lr {format_number(lr.number)} -> {format_number(keep(lr.number))}"
    return f"lr {format_factor(keep(1.0))}"


def _related(loop: TrainingLoop, *, loss: bool = True) -> list[Related]:
    related = []
    if loop.optimizer.lr is not None:
        related.append(Related(span=loop.optimizer.lr.span, message=f"{loop.optimizer.name} lr here"))
    if loss and loop.terms:
        related.append(Related(span=loop.loss_span, message=f"loss reduced by {loop.reduction} here"))
    related.append(Related(span=loop.backward.span, message="backward here"))
    return related


def check_batch_size_rescales_step(ctx: RuleContext) -> Iterator[Diagnostic]:
    batch = BatchChange(ctx.base, ctx.facts)
    if not batch.changed:
        return
    for old, new in paired_loops(ctx.base, ctx.facts):
        if (old.reduction, new.reduction, new.family) != (Reduction.SUM, Reduction.SUM, "sgd"):
            continue
        ratio = value_ratio(old.optimizer.lr, new.optimizer.lr)
        if ratio is None:
            continue
        batch_factor = step_factor(Reduction.SUM, "sgd", batch.old, batch.new)
        factor = batch_factor * ratio
        if unchanged(factor):
            continue  # lr was scaled by B/B': the step is what it was
        keep = _compensating_lr(old, lambda lr: lr_keeping_step(lr, batch.old, batch.new))
        if old.optimizer.lr is not None and old.optimizer.lr.number:
            keep += f" (= {format_number(old.optimizer.lr.number)} * {format_number(batch.old)}/{format_number(batch.new)})"
        yield BATCH_RESCALES_STEP.diagnostic(
            ctx,
            batch.span(new.backward.span),
            f"{batch.words()} with a summed loss and {new.optimizer.name} ({_lr_words(old, new, ratio)}): "
            f"the step is lr * B * mean gradient, so every step is now {format_factor(factor)}; "
            f"{keep} keeps it unchanged",
            related=_related(new),
            factor=f"step {format_factor(factor)} (B'/B = {format_factor(batch_factor)})",
            suggestion=f"set {keep}, or "
            + keep_step_suggestion(new.terms[0] if new.terms else None, old.optimizer.lr, batch.old, today="the base's"),
        )


def _per_sample(old: TrainingLoop, new: TrainingLoop) -> bool:
    """Whether switching between sum and mean scales the gradient by exactly B.

    True when both losses average over examples (cross entropy, NLL) or when the switch is a
    division by the batch added or removed; an element-wise mean (MSELoss) also divides by the
    elements of each example.
    """
    if not old.terms or not new.terms:
        return False
    a, b = old.terms[0], new.terms[0]
    if a.loss.mean_is_per_sample and b.loss.mean_is_per_sample:
        return True
    return a.loss.reduction == b.loss.reduction and a.reduction == b.reduction


def _lr_across_reduction_change(lr: float, old: TrainingLoop, new: TrainingLoop, batch: BatchChange) -> float:
    """Undo the reduction change at the base batch size, then a batch change under a new sum."""
    lr = lr_compensating_reduction_change(lr, old.reduction, new.reduction, batch.old)
    if batch.changed and new.reduction == Reduction.SUM:
        lr = lr_keeping_step(lr, batch.old, batch.new)
    return lr


def _element_wise(old: TrainingLoop, new: TrainingLoop) -> bool:
    """Whether both sides reduce an element-wise loss in the loss call itself (MSELoss(reduction=...)),
    so that its mean divides the sum by every element, B*D."""
    if not old.terms or not new.terms:
        return False
    return all(
        t.loss.mean_divides_by is MeanDivisor.ELEMENTS and t.reduction is t.loss.reduction
        for t in (old.terms[0], new.terms[0])
    )


def _sum_by_batch_length(new: TrainingLoop, lr: Value | None, batch: BatchChange) -> str:
    """The other way back to today's step after sum -> mean: dividing the sum by the batch length
    needs no D."""
    return (f', or keep reduction="sum", divide the loss by `{batch_length(new.terms[0])}` and '
            f"{lr_times(lr, batch.old)}")


def _known_width(old: TrainingLoop, new: TrainingLoop) -> int | None:
    """D when both sides' models say how many values per example they output, and agree."""
    widths = {t.terms[0].elements_per_example for t in (old, new)}
    return widths.pop() if len(widths) == 1 and None not in widths else None


def _symbolic_reduction_change(
    ctx: RuleContext, old: TrainingLoop, new: TrainingLoop, batch: BatchChange, change: str
) -> Diagnostic:
    """A sum <-> mean switch whose factor is not B alone: an element-wise mean divides by B*D
    (printed with today's B when it is known); otherwise only the direction is known."""
    grows = new.reduction == Reduction.SUM
    per_sample = _per_sample(old, new)
    if per_sample:  # the batch size is unknown
        count, where = "B", ""
    elif _element_wise(old, new):
        count, where = "B*D", " (D: elements per example of the element-wise mean)"
    else:
        count, where = "N", " (N: the number of values the mean averages over)"
    factor = f"x{count}" if grows else f"x1/{count}" if count in ("B", "N") else f"x1/({count})"
    shown, keep = factor, f"{'divide' if grows else 'multiply'} lr by {count} to keep the step"
    width = _known_width(old, new) if count == "B*D" else None
    if batch.old is not None and width is not None:  # D written in the model: the factor is a number
        elements = batch.old * width
        shown = (f"{factor} = x{format_number(elements) if grows else f'1/{format_number(elements)}'} "
                 f"at B={format_number(batch.old)}")
        where = f" (D={width}: the model outputs {width} value{'s' if width != 1 else ''} per example)"
        lr = old.optimizer.lr
        keep = f"{'divide' if grows else 'multiply'} lr by {format_number(elements)}"
        if lr is not None and lr.number:
            kept = lr.number / elements if grows else lr.number * elements
            keep += f" ({format_number(lr.number)} -> {format_number(kept)})"
        keep += " to keep the step"
        if not grows:
            keep += _sum_by_batch_length(new, lr, batch)
    elif batch.old is not None and count == "B*D":
        at_b = f"{format_number(batch.old)}*D"
        shown = f"{factor} = x{at_b if grows else f'1/({at_b})'} at B={format_number(batch.old)}"
        lr = old.optimizer.lr
        keep = f"{'divide' if grows else 'multiply'} lr by {at_b}"
        if lr is not None and lr.number:
            keep += f" (lr {format_number(lr.number)} -> {format_number(lr.number)}{'/' if grows else '*'}({at_b}))"
        keep += " to keep the step"
        if not grows:
            keep += _sum_by_batch_length(new, lr, batch)
    return REDUCTION_RESCALES_STEP.diagnostic(
        ctx, new.loss_span,
        f"{change} with {new.optimizer.name} and lr unchanged: every step is {shown}{where}",
        related=_related(new, loss=False),
        factor=f"step {shown}",
        suggestion=keep,
    )


def check_reduction_rescales_step(ctx: RuleContext) -> Iterator[Diagnostic]:
    batch = BatchChange(ctx.base, ctx.facts)
    for old, new in paired_loops(ctx.base, ctx.facts):
        if old.reduction is None or new.reduction is None or old.reduction == new.reduction:
            continue
        if new.family != "sgd":
            continue  # adaptive optimizers cancel a constant loss scale
        ratio = value_ratio(old.optimizer.lr, new.optimizer.lr)
        if ratio is None:
            continue
        change = f"the loss reduction changed from {old.reduction} to {new.reduction}"
        symbol = "B" if new.reduction == Reduction.SUM else "1/B"
        if batch.old is None or not _per_sample(old, new):
            if not unchanged(ratio):
                continue  # lr changed by an amount we cannot judge
            yield _symbolic_reduction_change(ctx, old, new, batch, change)
            continue
        # Reduction switched at the base batch size, then the batch size change under the new reduction.
        step_without_lr = reduction_change_factor(old.reduction, new.reduction, batch.old)
        if batch.changed:
            step_without_lr *= step_factor(new.reduction, "sgd", batch.old, batch.new)
            change += f" and {batch.words()}"
        factor = step_without_lr * ratio
        if unchanged(factor):
            continue
        keep = _compensating_lr(old, lambda lr: _lr_across_reduction_change(lr, old, new, batch))
        yield REDUCTION_RESCALES_STEP.diagnostic(
            ctx,
            new.loss_span,
            f"{change}, with {new.optimizer.name} and {_lr_words(old, new, ratio)}: at B={format_number(batch.old)} "
            f"every step is now {format_factor(factor)}; {keep} keeps it unchanged",
            related=_related(new, loss=False),
            factor=f"step {format_factor(factor)} (x{symbol} at B={format_number(batch.old)})",
            suggestion=f"set {keep}",
        )


def _decay_value(loop: TrainingLoop) -> Value | None:
    wd = loop.optimizer.weight_decay
    return wd if wd is not None and wd.value != 0 else None


def check_batch_size_shifts_regularization(ctx: RuleContext) -> Iterator[Diagnostic]:
    batch = BatchChange(ctx.base, ctx.facts)
    for old, new in paired_loops(ctx.base, ctx.facts):
        decay = new.decay
        old_wd, new_wd = _decay_value(old), _decay_value(new)
        wd_ratio = value_ratio(old_wd, new_wd)  # a deliberate change of wd counts towards the result
        if decay is None or decay != old.decay or wd_ratio is None:
            continue
        old_b, new_b = (batch.old, batch.new) if batch.known else (1.0, 1.0)
        if decay == "coupled":
            # Relative to the data term the regularizer weighs wd/B for a summed loss (lr cancels).
            if not batch.changed or (old.reduction, new.reduction) != (Reduction.SUM, Reduction.SUM):
                continue
            lr_ratio, what = 1.0, "relative to the data term (wd/B with a summed loss)"
        else:
            # Decoupled decay removes lr*wd per step, (N/B)*lr*wd per epoch.
            lr_ratio = value_ratio(old.optimizer.lr, new.optimizer.lr)
            if lr_ratio is None or (not batch.changed and unchanged(lr_ratio)):
                continue
            if (batch.old is None) != (batch.new is None):
                continue  # the batch size became unreadable: we cannot tell the per-epoch decay
            what = "per epoch ((N/B) * lr * wd, decoupled decay)"
        shift = regularization_factor(decay, new.reduction or Reduction.MEAN, old_b, new_b, 1.0, lr_ratio)
        factor = shift * wd_ratio
        if unchanged(factor):
            continue
        if old_wd is not None and old_wd.number:
            keep_wd = weight_decay_keeping_regularization(
                old_wd.number, decay, new.reduction or Reduction.MEAN, old_b, new_b, 1.0, lr_ratio
            )
            keep = f"weight_decay {format_number(old_wd.number)} -> {format_number(keep_wd)}"
        elif old_wd is not None:
            keep = f"weight_decay {format_factor(1.0 / shift)}"
        else:
            keep = f"the penalty coefficient {format_factor(1.0 / shift)}"
        words = batch.words() if batch.changed else "the batch size is unchanged"
        lr_part = "" if decay == "coupled" else f", {_lr_words(old, new, lr_ratio)}"
        if new_wd is not None:
            span = new_wd.span
        elif new.penalties:
            span = new.penalties[0].span
        else:
            span = batch.span(new.backward.span)
        yield SHIFTS_REGULARIZATION.diagnostic(
            ctx,
            span,
            f"{words}{lr_part}: the regularization {what} is now {format_factor(factor)}; {keep} keeps it",
            related=_related(new),
            factor=f"regularization {format_factor(factor)}",
            suggestion=f"set {keep}",
        )


def check_batch_size_lr_advice(ctx: RuleContext) -> Iterator[Diagnostic]:
    batch = BatchChange(ctx.base, ctx.facts)
    if not batch.changed:
        return
    for old, new in paired_loops(ctx.base, ctx.facts):
        family = new.family
        ratio = value_ratio(old.optimizer.lr, new.optimizer.lr)
        if family is None or ratio is None or not unchanged(ratio):
            continue
        if family == "sgd" and (old.reduction, new.reduction) != (Reduction.MEAN, Reduction.MEAN):
            continue  # a summed loss with SGD is LSL501's (the step itself changes)
        reduction = new.reduction or Reduction.MEAN
        lr = new.optimizer.lr
        base_lr = lr.number if lr is not None and lr.number else 1.0
        proposed, rule = suggested_lr(base_lr, reduction, family, batch.old, batch.new)
        if lr is not None and lr.number:
            advice = f"lr {format_number(base_lr)} -> {format_number(proposed)}"
        else:
            advice = f"lr {format_factor(proposed)}"
        yield LR_ADVICE.diagnostic(
            ctx,
            batch.span(new.backward.span),
            f"{batch.words()} with lr unchanged and {new.optimizer.name}: the update per step keeps its size "
            f"but now averages {format_factor(batch.new / batch.old)} the examples; consider {advice} "
            f"({HEURISTIC_NOTES[rule]})",
            related=_related(new),
            factor=f"lr {format_factor(proposed / base_lr)} under the {rule} rule",
            suggestion=f"try {advice} and re-tune; it is a heuristic, not an identity",
        )


BATCH_RESCALES_STEP = Rule("LSL501", "batch-size-change-rescales-step", Severity.ERROR,
                           "The batch size changed with a summed loss and SGD, and lr did not follow: every step is rescaled.",
                           check_batch_size_rescales_step, reads=("base",),
                           finds="With `--base`: the batch size changed with a summed loss and "
                                 "SGD, lr not scaled by `B/B'`: every step `x B'/B`.")
REDUCTION_RESCALES_STEP = Rule("LSL502", "reduction-change-rescales-step", Severity.ERROR,
                               "The loss reduction changed between sum and mean with SGD and lr not compensated.",
                               check_reduction_rescales_step, reads=("base",),
                               finds="With `--base`: the reduction changed between sum and mean "
                                     "with SGD, lr not compensated: every step `x B` or `x 1/B`.")
SHIFTS_REGULARIZATION = Rule("LSL503", "batch-size-change-shifts-regularization", Severity.WARNING,
                             "The batch size or lr changed so that weight decay or a penalty weighs differently.",
                             check_batch_size_shifts_regularization, reads=("base",),
                             finds="With `--base`: B or lr changed so that decay weighs "
                                   "differently (`wd / B` coupled, `(N/B) * lr * wd` decoupled).")
LR_ADVICE = Rule("LSL505", "batch-size-change-lr-advice", Severity.INFO,
                 "The batch size changed with a mean loss and lr unchanged: the linear or square-root rule may apply.",
                 check_batch_size_lr_advice, reads=("base",),
                 finds="With `--base`: B changed with a mean loss and lr unchanged: the linear "
                       "(SGD) or square-root (Adam) heuristic.")

RULES = (BATCH_RESCALES_STEP, REDUCTION_RESCALES_STEP, SHIFTS_REGULARIZATION, LR_ADVICE)
