"""LSL108: a loss term weighted by a coefficient computed from the batch size.

`loss = recon + kld_weight * kld` with `kld_weight = batch_size / num_train`, both terms means:
the KL term's weight relative to the reconstruction is proportional to B, so changing the batch
size reweights the objective. A factor that normalises a summed term (`kl.sum() / B`) makes it a
mean like the others and is left alone, as is a single term (`loss.sum() / B`, `mean * B`: LSL101).
"""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Related, Severity
from lossscale_lint.facts.model import DataTerm, OtherTerm
from lossscale_lint.facts.views import batch_growth
from lossscale_lint.rules.base import Rule, RuleContext

def _name(term: DataTerm | OtherTerm) -> str:
    if isinstance(term, OtherTerm):
        return f"`{term.source}`"
    if term.loss.kind == "manual":
        return f"the hand-written `.{term.loss.name}()` of line {term.loss.call_span.line}"
    return f"the `{term.loss.name}` term (line {term.loss.call_span.line})"


def _power(p: int) -> str:
    return f"B^{p}"


def check_loss_weight_from_batch_size(ctx: RuleContext) -> Iterator[Diagnostic]:
    for update in ctx.facts.updates:
        flow = update.flow
        if flow is None:
            continue
        terms = [*flow.data_terms, *flow.other_terms]
        if len(terms) + len(flow.penalties) < 2:
            continue  # one term: `loss.sum() / B` or `mean * B` is LSL101's business
        # The reference: a data term that does not change with B (a mean, or a sum over B).
        references = [t for t in flow.data_terms if batch_growth(t) == 0]
        for term in terms:
            weights = [op for op in term.ops if op.batch_power]
            growth = batch_growth(term)
            reference = next((r for r in references if r is not term), None)
            if not weights or not growth or reference is None:
                continue
            coefficient = weights[0]
            yield LOSS_WEIGHT_FROM_BATCH_SIZE.diagnostic(
                ctx,
                coefficient.span,
                f"{_name(term)} is {'multiplied' if coefficient.op == 'mul' else 'divided'} by "
                f"`{coefficient.factor.source}`, which is computed from the batch size "
                f"(proportional to {_power(coefficient.batch_power)}): its weight relative to {_name(reference)} "
                f"is proportional to {_power(growth)}, so changing the batch size from B to B' reweights the "
                f"objective by (B'/B)^{growth}",
                related=(Related(span=reference.loss.call_span, message="the term it is weighed against"),
                         Related(span=update.span, message="backward here")),
                factor=f"term weight x (B'/B)^{growth}",
                suggestion=("make the coefficient a constant chosen for the objective (a fixed beta for a "
                            "per-sample KL term), not one that follows the batch size, or retune it whenever "
                            "B changes"),
            )


LOSS_WEIGHT_FROM_BATCH_SIZE = Rule(
    "LSL108", "loss-weight-from-batch-size", Severity.INFO,
    "A loss term's coefficient is computed from the batch size: changing B reweights the objective.",
    check_loss_weight_from_batch_size, reads=("updates",),
    finds="`recon + (batch_size / num_train) * kl`, `reg / (B * (B - 1)) * sim.mean()`: the term's weight "
          "against the others is `x (B'/B)^p` when B changes",
)

RULES = (LOSS_WEIGHT_FROM_BATCH_SIZE,)
