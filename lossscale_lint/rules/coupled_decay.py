"""LSL404: coupled weight decay in an adaptive optimizer, whose strength follows the loss scale.

`Adam(weight_decay=wd)` (and RMSprop, Adagrad, Adamax, Adadelta, NAdam and RAdam without
`decoupled_weight_decay=True`: the catalog's `coupled_decay_normalised`) adds `wd * w` to the
gradient before dividing by the running gradient magnitude. Scaling the loss by c scales that
magnitude by c, so the data part of the step is unchanged while the decay's part shrinks to 1/c:
the regularization depends on the reduction, the accumulation division and, under a summed loss,
on the batch size. AdamW's decoupled decay (`lr * wd * w`) does not.
"""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Edit, Fix, Severity
from lossscale_lint.facts.model import OptimizerSite
from lossscale_lint.rules.base import Rule, RuleContext


def positive_decay(optimizer: OptimizerSite) -> bool:
    value = optimizer.weight_decay.value if optimizer.weight_decay is not None else None
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def decoupling(optimizer: OptimizerSite) -> tuple[str, Fix | None]:
    """What to suggest, and the mechanical edit when there is one."""
    # Unsafe: decoupled decay of the same value is a different regularization (AdamW's wd is
    # usually 10-100 times larger than Adam's L2): the value must be retuned.
    if optimizer.decoupled_counterpart is not None:
        advice = (f"use {optimizer.decoupled_counterpart} (decoupled: lr * wd * w whatever the loss scale) "
                  "and retune weight_decay once")
        if optimizer.callee_name_span is None:
            return advice, None
        edit = Edit(span=optimizer.callee_name_span, content=optimizer.decoupled_counterpart)
        return advice, Fix(applicability="unsafe", description=f"use {optimizer.decoupled_counterpart}",
                           edits=(edit,))
    if optimizer.decoupled_flag is not None and optimizer.args_end is not None:
        written = f"{optimizer.decoupled_flag}=True"
        edit = Edit(span=optimizer.args_end, content=optimizer.args_separator + written)
        return (f"pass {written} (decoupled decay, independent of the loss scale) and retune weight_decay once",
                Fix(applicability="unsafe", description=f"pass {written}", edits=(edit,)))
    return (f"torch has no decoupled {optimizer.name}: keep the loss scale fixed (a mean loss, divided "
            "accumulation), or move to AdamW", None)


def check_coupled_decay(ctx: RuleContext) -> Iterator[Diagnostic]:
    for optimizer in ctx.facts.optimizers:
        if not optimizer.coupled_decay_normalised or optimizer.decoupled or not positive_decay(optimizer):
            continue
        decay = optimizer.weight_decay
        origin = f" ({decay.origin})" if decay.origin else ""
        advice, fix = decoupling(optimizer)
        yield COUPLED_DECAY.diagnostic(
            ctx,
            optimizer.weight_decay_span or optimizer.span,
            f"{optimizer.name} with weight_decay={decay.source}{origin} is coupled L2: the decay is added to "
            "the gradient and then divided by the adaptive denominator, so a loss scaled by c (a sum instead "
            "of a mean, an accumulation without division, a batch-size change under a summed loss) weakens "
            "it to wd / c while the data step stays the same",
            factor="decay x 1/c for a loss x c (the data step unchanged)",
            suggestion=advice,
            fix=fix,
        )


COUPLED_DECAY = Rule(
    "LSL404", "adam-coupled-weight-decay", Severity.INFO,
    "Coupled weight decay in Adam, RMSprop, Adagrad, ...: its strength falls as 1/c when the loss grows c-fold.",
    check_coupled_decay, fix="unsafe", reads=("coupled_decay",),
    finds="`weight_decay` on Adam, RMSprop, Adagrad, NAdam, RAdam ... without decoupling: the decay "
          "x 1/c for a loss x c",
)

RULES = (COUPLED_DECAY,)
