"""LSL207: the epoch's last accumulation window holds fewer than K micro-batches.

`if (i + 1) % K == 0: optimizer.step()` over `enumerate(loader)` with the loss divided by K: a
pass of N batches ends with r = N mod K micro-batches. A step after the loop applies them as an
update of r micro-batches each divided by K, r/K of a full one; with no step and no `zero_grad()`
they stay in `.grad` and the next epoch's first update sums K + r micro-batches.
"""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Related, Severity
from lossscale_lint.facts.scaling import format_factor
from lossscale_lint.facts.views import divides_by
from lossscale_lint.rules.base import Rule, RuleContext


def check_partial_window(ctx: RuleContext) -> Iterator[Diagnostic]:
    for update in ctx.facts.updates:
        step = update.step
        guard = step.guard if step is not None else None
        if guard is None or not guard.counts_loop_batches or update.flow is None or update.divides_by_accumulation is not False:
            continue
        # A guard that also fires on the last batch steps the short window like a step after the loop.
        leftover = "flushed" if guard.flushes_last_batch else guard.leftover
        if leftover not in ("stepped", "flushed", "carried"):
            continue
        k = guard.steps
        number = int(k.number) if k.number and k.setting is None and k.number == int(k.number) else None
        if guard.batches is not None and number is not None and guard.batches % number == 0:
            continue  # every window is full
        # The loss divided by K (the data term, or the whole loss it is part of): a fixed divisor.
        if not update.flow.data_terms or not all(divides_by(t.ops, k) for t in update.flow.data_terms):
            continue
        r = guard.batches % number if guard.batches is not None and number is not None else None
        r_text = f"r = {r}" if r is not None else "r = number of micro-batches in the last window"
        length = (f"{guard.batches} batches are not a multiple of K ({number})" if guard.batches is not None and number is not None
                  else f"the loader's length is not known to be a multiple of {k.source}")
        head = (f"the loss is divided by K={k.source} and the optimizer steps every K micro-batches, but "
                f"{length}: the epoch's last window holds r < K micro-batches")
        if leftover in ("stepped", "flushed"):
            which = "the step after the loop" if leftover == "stepped" else "the guard's step on the last batch"
            message = f"{head}, which {which} applies: that last update is r/K of its intended size ({r_text})"
            factor = "last update x r/K" + (f" ({format_factor(r / number)})" if r is not None else "")
        else:
            message = (f"{head}, which no step applies and no `zero_grad()` empties: they are carried into the "
                       f"next epoch's first window, whose update is (K + r)/K of its intended size ({r_text})")
            factor = "next epoch's first update x (K + r)/K" + (
                f" ({format_factor((number + r) / number)})" if r is not None else "")
        yield PARTIAL_WINDOW.diagnostic(
            ctx,
            guard.span,
            message,
            related=(Related(span=step.span, message="optimizer step here"),
                     Related(span=update.span, message="backward here")),
            factor=factor,
            suggestion=("divide the loss by the number of micro-batches in its window "
                        f"(`min({k.source}, len(loader) - i // {k.source} * {k.source})`) and step on the last "
                        f"batch too (`or (i + 1) == len(loader)`), or make the number of batches a multiple of {k.source}"),
        )


PARTIAL_WINDOW = Rule(
    "LSL207", "partial-accumulation-window", Severity.INFO,
    "The epoch's last accumulation window holds fewer than K micro-batches while the loss is divided by K.",
    check_partial_window, reads=("updates",),
    finds="`(i + 1) % K == 0` over a loader whose length is not a multiple of K, with `loss / K`: the last "
          "window's update is `r/K` of a full one (or its r micro-batches leak into the next epoch)",
)

RULES = (PARTIAL_WINDOW,)
