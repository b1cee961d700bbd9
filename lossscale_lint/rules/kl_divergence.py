"""LSL107: a KL-divergence loss reduced with "mean", which divides by every element, not by B.

`KLDivLoss` / `F.kl_div` (the catalog's losses with a `per_sample_reduction`) default to
`reduction="mean"`, which averages over all B x D elements; the KL divergence of each sample is the
sum over its D elements, which `reduction="batchmean"` averages over the batch. PyTorch warns at
run time that "mean" does not return the true KL; the warning is easy to miss and the loss is D
times too small, with its gradient.
"""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Edit, Fix, Severity
from lossscale_lint.facts.model import LossSite
from lossscale_lint.facts.vocabulary import Reduction
from lossscale_lint.rules.base import Rule, RuleContext


def written_literally(loss: LossSite) -> bool:
    """Whether `reduction=` is absent or a string literal (not a variable whose value we followed)."""
    value = loss.reduction_value
    return value is None or value.source.strip("\"'") == value.value


def per_sample_fix(loss: LossSite, reduction: str) -> Fix | None:
    written = f'reduction="{reduction}"'
    if not written_literally(loss):
        return None  # `reduction=reduction`: the value comes from elsewhere, which is where to change it
    if loss.reduction_arg_span is not None:
        edit = Edit(span=loss.reduction_arg_span, content=written)
    elif loss.args_end is not None:
        edit = Edit(span=loss.args_end, content=loss.args_separator + written)
    else:
        return None
    # Unsafe: the loss and its gradient grow D-fold, which changes training (retune lr or the
    # term's weight); it is what the loss claims to be, not what it computed so far.
    return Fix(applicability="unsafe", description=f"use {written}", edits=(edit,))


def check_kl_mean(ctx: RuleContext) -> Iterator[Diagnostic]:
    for loss in ctx.facts.losses:
        per_sample = loss.per_sample_reduction
        if per_sample is None or loss.reduction is not Reduction.MEAN:
            continue
        value = loss.reduction_value
        if value is None:
            written = 'the default reduction="mean"'
        elif written_literally(loss):
            written = 'reduction="mean"'
        else:  # `reduction=reduction` with its default, or a constant: say where "mean" came from
            written = f'reduction={value.source} ("mean"{", " + value.origin if value.origin else ""})'
        yield KL_MEAN_REDUCTION.diagnostic(
            ctx,
            loss.reduction_arg_span or loss.call_span,
            f"{loss.name} with {written} divides the summed divergence by every element (B x D), not by "
            f'the batch size B: the loss is the per-sample KL divided by D, and so is its gradient',
            factor=f'x 1/D against reduction="{per_sample.value}" (D = elements per sample, e.g. the classes)',
            suggestion=f'use reduction="{per_sample.value}" (the per-sample KL, averaged over the batch) '
                       "and retune the term's weight or the learning rate once",
            fix=per_sample_fix(loss, per_sample.value),
        )


KL_MEAN_REDUCTION = Rule(
    "LSL107", "kldiv-mean-reduction", Severity.WARNING,
    'KLDivLoss / kl_div with reduction="mean" divides by B x D; the KL of each sample needs "batchmean".',
    check_kl_mean, fix="unsafe", reads=("per_sample_reductions",),
    finds='`KLDivLoss` / `F.kl_div` with the default `reduction="mean"`: the loss is the per-sample KL '
          "x 1/D (D elements per sample)",
)

RULES = (KL_MEAN_REDUCTION,)
