"""LSL105: a penalty summed over the batch's activations or outputs, added to a mean data loss.

`criterion(outputs, y) + 1e-2 * outputs.abs().sum()`: the data term is a mean and does not change
with B, the penalty is a sum over B samples and grows as B, so its weight relative to the data is
proportional to B. A parameter penalty (`sum(p.pow(2).sum() for p in model.parameters())`) does
not depend on the batch and is not this rule's business (see LSL102 for it beside a summed loss).
"""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Related, Severity
from lossscale_lint.facts.model import DataTerm, Reduction, ScaleRole
from lossscale_lint.rules.base import Rule, RuleContext
from lossscale_lint.facts.views import batch_growth


def _batch_summed(term: DataTerm) -> bool:
    """A hand-written `.sum()` over values of the batch, weighted by constants only."""
    return (term.loss.kind == "manual" and term.reduction is Reduction.SUM and term.batch_values
            and term.sum_span is not None and term.batch_length is None
            and not any(op.batch_power for op in term.ops)  # a coefficient made from B: LSL108
            # A divisor we cannot read (`/ num_tokens`) may normalise it.
            and not any(op.op == "div" and op.role is not ScaleRole.CONSTANT for op in term.ops))


def check_batch_summed_penalty(ctx: RuleContext) -> Iterator[Diagnostic]:
    for update in ctx.facts.updates:
        flow = update.flow
        if flow is None:
            continue
        means = [t for t in flow.data_terms if t.loss.kind != "manual" and t.reduction is Reduction.MEAN
                 and batch_growth(t) == 0]
        if not means:
            continue
        data = means[0]
        for term in flow.data_terms:
            if term is data or not _batch_summed(term) or batch_growth(term) != 1:
                continue
            yield BATCH_SUMMED_PENALTY.diagnostic(
                ctx,
                term.sum_span,
                f"this `.sum()` adds up values computed from the batch (activations or outputs) over all its "
                f"samples, and is added to the mean `{data.loss.name}` term: the data term does not change with "
                f"the batch size but this penalty grows as B, so its weight relative to the data is proportional "
                f"to B (x B'/B when the batch size goes from B to B')",
                related=(Related(span=data.loss.call_span, message="the mean data loss"),
                         Related(span=update.span, message="backward here")),
                factor="penalty weight relative to the data x B'/B",
                suggestion=("average the penalty over the batch like the data term: `.mean()` over the samples, "
                            "or divide the sum by the batch length (`x.size(0)`)"),
            )


BATCH_SUMMED_PENALTY = Rule(
    "LSL105", "batch-summed-penalty-on-mean-loss", Severity.WARNING,
    "A penalty summed over the batch's activations or outputs is added to a mean data loss: its weight grows with B.",
    check_batch_summed_penalty, reads=("updates",),
    finds="`criterion(out, y) + 1e-2 * out.abs().sum()`: the penalty's weight against the mean data term "
          "is `x B'/B` when B changes",
)

RULES = (BATCH_SUMMED_PENALTY,)
