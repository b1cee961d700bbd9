"""Shared readings of the facts that several rules need: how a data term scales with the batch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lossscale_lint.diagnostics import Related, Span
from lossscale_lint.facts.model import (
    BackwardSite,
    DataTerm,
    ModuleFacts,
    Reduction,
    ScaleOp,
    ScaleRole,
    Value,
)
from lossscale_lint.facts.scaling import format_factor, format_number


@dataclass(frozen=True)
class BatchScale:
    """How the backpropagated data term depends on the batch size B.

    sum: proportional to B (a summed loss, or a mean multiplied by B);
    mean: independent of B; fixed: a sum divided by a configured constant B (mean-like except
    for a smaller last batch); unknown: we could not tell, so nobody reports anything.
    """

    kind: Literal["sum", "mean", "fixed", "unknown"]
    fixed_by: ScaleOp | None = None


def batch_scale(term: DataTerm, facts: ModuleFacts) -> BatchScale:
    kind = {Reduction.SUM: "sum", Reduction.MEAN: "mean", Reduction.BATCHMEAN: "mean"}.get(
        term.reduction, "unknown"
    )
    fixed_by = None
    loader_sizes = {l.batch_size.number for l in facts.dataloaders if l.batch_size and l.batch_size.number}
    for op in term.ops:
        role = op.role
        if role is ScaleRole.CONSTANT and op.factor.number in loader_sizes:
            role = ScaleRole.BATCH_SIZE  # `/ 64` with DataLoader(batch_size=64)
        if role is ScaleRole.BATCH_LENGTH:
            kind = {("sum", "div"): "mean", ("mean", "mul"): "sum"}.get((kind, op.op), "unknown")
        elif role is ScaleRole.BATCH_SIZE:
            if (kind, op.op) == ("sum", "div"):
                kind, fixed_by = "fixed", op
            elif (kind, op.op) == ("mean", "mul"):
                kind = "sum"
            else:
                kind = "unknown"
        elif role is ScaleRole.OTHER:
            kind = "unknown"
        if kind == "unknown":
            break
    return BatchScale(kind, fixed_by)  # type: ignore[arg-type]


def summed_terms(backward: BackwardSite, facts: ModuleFacts) -> list[DataTerm]:
    if backward.flow is None:
        return []
    return [t for t in backward.flow.data_terms if batch_scale(t, facts).kind == "sum"]


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
