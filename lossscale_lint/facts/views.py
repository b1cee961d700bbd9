"""Shared readings of the facts that several rules need: how a data term scales with the batch."""

from __future__ import annotations

from dataclasses import dataclass

from lossscale_lint.diagnostics import Related, Span
from lossscale_lint.facts.model import (
    BackwardSite,
    OtherTerm,
    ClipSite,
    DataTerm,
    IgnoredTargetClue,
    ModuleFacts,
    PenaltyTerm,
    Reduction,
    ScaleOp,
    ScaleRole,
    UpdateSite,
    Value,
)
from lossscale_lint.facts.scaling import format_factor, format_number


@dataclass(frozen=True)
class BatchScale:
    """How the backpropagated data term depends on the batch size B, in the reduction vocabulary.

    SUM: proportional to B (a summed loss, or a mean multiplied by B); MEAN: independent of B;
    UNKNOWN: we could not tell, so nobody reports anything. A sum divided by a configured constant
    B is MEAN with `fixed_by` set: mean-like except for a smaller last batch.
    """

    kind: Reduction
    fixed_by: ScaleOp | None = None

    @property
    def fixed(self) -> bool:
        return self.fixed_by is not None


# Loss-call reductions as batch scales: "batchmean" divides by B like "mean"; "none" is not a scalar.
_SCALE_OF_REDUCTION = {Reduction.SUM: Reduction.SUM, Reduction.MEAN: Reduction.MEAN, Reduction.BATCHMEAN: Reduction.MEAN}
# (scale so far, op by the batch length) -> the scale after it; anything else is unknown.
_BY_BATCH_LENGTH = {(Reduction.SUM, "div"): Reduction.MEAN, (Reduction.MEAN, "mul"): Reduction.SUM}


def batch_scale(term: DataTerm, facts: ModuleFacts) -> BatchScale:
    kind = _SCALE_OF_REDUCTION.get(term.reduction, Reduction.UNKNOWN)
    fixed_by = None
    loader_sizes = {l.batch_size.number for l in facts.dataloaders if l.batch_size and l.batch_size.number}
    for op in term.ops:
        role = op.role
        if role is ScaleRole.CONSTANT and op.factor.number in loader_sizes:
            role = ScaleRole.BATCH_SIZE  # `/ 64` with DataLoader(batch_size=64)
        batch_op = role in (ScaleRole.BATCH_LENGTH, ScaleRole.BATCH_SIZE)
        if batch_op and fixed_by is not None:
            kind = Reduction.UNKNOWN  # a fixed normalizer scaled again by the batch: not ours to guess
        elif role is ScaleRole.BATCH_LENGTH:
            kind = _BY_BATCH_LENGTH.get((kind, op.op), Reduction.UNKNOWN)
        elif role is ScaleRole.BATCH_SIZE:
            if (kind, op.op) == (Reduction.SUM, "div"):
                kind, fixed_by = Reduction.MEAN, op
            else:
                kind = _BY_BATCH_LENGTH.get((kind, op.op), Reduction.UNKNOWN)
        elif role in (ScaleRole.OTHER, ScaleRole.BATCH_COUNT, ScaleRole.BATCH_RATIO):
            kind = Reduction.UNKNOWN
        if kind is Reduction.UNKNOWN:
            break
    return BatchScale(kind, fixed_by)


def penalty_grows_with_batch(penalty: PenaltyTerm) -> bool:
    """A penalty divided by the number of batches (`kl / len(loader)`, N/B) or multiplied by the
    batch length grows with B like a summed data term: their ratio stays put."""
    return any((op.role is ScaleRole.BATCH_COUNT and op.op == "div")
               or (op.role in (ScaleRole.BATCH_SIZE, ScaleRole.BATCH_LENGTH) and op.op == "mul")
               for op in penalty.ops)


def summed_terms(backward: BackwardSite, facts: ModuleFacts) -> list[DataTerm]:
    if backward.flow is None:
        return []
    return [t for t in backward.flow.data_terms if batch_scale(t, facts).kind is Reduction.SUM]


def sum_location(term: DataTerm) -> Span:
    """Where a summed loss is made summed: the place a fix changes. For a loss made in another
    module of the project, the place it enters this file (diagnostics stay in the checked file)."""
    made = term.sum_span or term.loss.call_span
    return term.entry_span if made.path is not None and term.entry_span is not None else made


def made_elsewhere(term: DataTerm) -> tuple[Related, ...]:
    """A note at the place in another project module that makes the loss summed, if it is there."""
    made = term.sum_span or term.loss.call_span
    if made.path is None:
        return ()
    return (Related(span=made, message="the loss is summed here"),)


def describe_sum(term: DataTerm) -> str:
    loss = term.loss
    if term.batch_length:  # added up sample by sample: `loss += criterion(...)` over the batch
        return f"`{loss.name}` added up over the {term.batch_length} samples in a loop"
    if loss.kind == "manual":
        return "a hand-written `.sum()` loss"
    if term.reduction is Reduction.SUM and loss.reduction is Reduction.NONE:
        return f"`{loss.name}(reduction=\"none\")` summed with `.sum()`"
    if loss.legacy_args and loss.reduction is Reduction.SUM:
        legacy = ", ".join(f"{a.keyword}={a.value.source}" for a in loss.legacy_args)
        return f"`{loss.name}({legacy})` (a summed loss)"
    if loss.reduction is Reduction.SUM:
        return f"`{loss.name}(reduction=\"sum\")`"
    return f"`{loss.name}` multiplied by the batch size"


def batch_example(facts: ModuleFacts) -> tuple[Value | None, str]:
    """The known batch size and an example of what doubling it does, for messages."""
    source = facts.training_batch_size()
    known = source.value if source is not None else None
    if known is None or not known.number:
        return None, "B -> 2B doubles it"
    b = known.number
    return known, f"at B={format_number(b)} it is {format_number(b)}x; B {format_number(b)} -> {format_number(2 * b)}: {format_factor(2.0)}"


def related_backward(backward: BackwardSite) -> Related:
    return Related(span=backward.span, message="backward here")


def same_quantity(a: Value, b: Value) -> bool:
    """Two spellings of one quantity: the same expression after aliases, or the same number."""
    if a.canonical and a.canonical == b.canonical:
        return True
    return a.number is not None and a.number == b.number


def needs_parentheses(source: str) -> bool:
    """Whether `source` must be wrapped before `* x` or `/ x` is appended to it."""
    simple = source.replace(".", "").replace("_", "").replace("[", "").replace("]", "")
    simple = simple.replace("(", "").replace(")", "").replace("'", "").replace('"', "")
    return not (simple.isalnum() or _is_number_text(source))


def _is_number_text(source: str) -> bool:
    try:
        float(source)
    except ValueError:
        return False
    return True


def precedes(a: Span, b: Span) -> bool:
    """Whether `a` starts before `b` in the source (both in one file)."""
    return (a.line, a.column) < (b.line, b.column)


def clips_between(update: UpdateSite, end: Span) -> list[ClipSite]:
    """The clips of the update's function that come after its backward and before `end` (the
    accumulation guard, the step): in source order, what runs on the gradients in between."""
    return [clip for clip in update.clips if precedes(update.span, clip.span) and precedes(clip.span, end)]


def clips_on_scaled_gradients(update: UpdateSite) -> list[ClipSite]:
    """Clips between an AMP scaled backward and its scaler's step with no `unscale_` in between:
    they see the gradients multiplied by the loss scale S."""
    amp, step = update.amp, update.step
    if amp is None or step is None or not precedes(update.span, step.span):
        return []
    return [clip for clip in clips_between(update, step.span)
            if not any(precedes(update.span, u) and precedes(u, clip.span) for u in amp.unscales)]


def world_size_power(ops) -> int:
    """How many times these ops multiply by the world size, net of divisions (`loss * W`: 1)."""
    return sum((1 if op.op == "mul" else -1) for op in ops if op.role is ScaleRole.WORLD_SIZE)


def divides_by(ops: tuple[ScaleOp, ...], steps: Value) -> bool:
    """Whether these ops divide by K once more than they multiply by it."""
    net = 0
    for op in ops:
        if op.role is ScaleRole.ACCUMULATION or same_quantity(op.factor, steps):
            net += 1 if op.op == "div" else -1
    return net > 0


# Roles whose dependence on B the powers do not track: len(loader) (N/B), the world size.
_UNTRACKED = (ScaleRole.BATCH_COUNT, ScaleRole.WORLD_SIZE)


def _op_power(op: ScaleOp) -> int:
    return op.batch_power if op.op == "mul" else -op.batch_power


def batch_growth(term: DataTerm | OtherTerm) -> int | None:
    """e with the term proportional to B^e as B changes (a sum over the batch grows as B), or None."""
    if any(op.role in _UNTRACKED for op in term.ops):
        return None
    reduction = term.reduction if isinstance(term, DataTerm) else (None if term.produced else term.reduction)
    if isinstance(term, DataTerm) and term.batch_length is not None:
        reduction = Reduction.SUM
    if reduction in (Reduction.MEAN, Reduction.BATCHMEAN):
        own = 0
    elif reduction is Reduction.SUM and isinstance(term, DataTerm):
        own = 1  # a summed opaque value (`(z @ z.T).sum()`) may grow as B^2: not read
    else:
        return None
    return own + sum(_op_power(op) for op in term.ops)


def ignored_target_clue(facts: ModuleFacts) -> IgnoredTargetClue | None:
    """Evidence in the file that targets take the default ignore index: its literal first, else a
    name that holds it or a collator that pads labels with it."""
    return min(facts.ignored_target_clues, key=lambda c: c.kind != "ignore_value", default=None)


def accumulated_steps(update: UpdateSite) -> tuple[Value, tuple[Related, ...]] | None:
    """K and where it is configured, when micro-batches are accumulated with K not fixed at 1."""
    step = update.step
    if step is not None and step.guard is not None and not step.guard.steps.fixed_at_one:
        return step.guard.steps, (Related(span=step.guard.span, message="accumulation guard here"),)
    division = update.framework_division
    if division is not None and not division.steps.fixed_at_one:
        return division.steps, (Related(span=division.span, message=division.configured_here or "K configured here"),)
    return None


def token_mean(term: DataTerm, facts: ModuleFacts) -> str | None:
    """What makes the term a mean over the valid tokens of its micro-batch, in words; None when it
    is not clearly one."""
    loss = term.loss
    if term.reduction is not Reduction.MEAN and term.reduction is not Reduction.SUM:
        return None
    if term.reduction is Reduction.MEAN and loss.token_mean:
        # Only when labels can be ignored (-100 in the file, a collator that pads with it): texts
        # packed into fixed blocks (`labels = input_ids.clone()`) give every micro-batch the same
        # token count, and the mean of means is then the full-batch mean.
        clue = ignored_target_clue(facts)
        if clue is None:
            return None
        return (f"`{loss.name}` (the model's mean over the micro-batch's label tokens, with labels ignored "
                f"where they are `{clue.source}`, line {clue.span.line})")
    if (term.reduction is Reduction.MEAN and term.mean_span is None and loss.reduction is Reduction.MEAN
            and loss.ignore_index is not None):
        return f"`{loss.name}(ignore_index={loss.ignore_index.source})` (a mean over the micro-batch's valid targets)"
    count = next((op for op in term.ops if op.op == "div" and op.counts_mask), None)
    if term.reduction is Reduction.SUM and count is not None:
        return f"the loss divided by `{count.factor.source}` (the micro-batch's valid tokens)"
    return None
