"""LSL205: gradient clipping inside the accumulation window, after every micro-batch backward.

With accumulation the gradient of one step is the sum of K micro-batch gradients. Clipping is
meant to bound that sum, once, right before the optimizer step. A clip between a micro-batch's
backward and the accumulation guard runs on every partial sum instead, so the result depends on K
and on the order of the micro-batches, and it matches no full-batch run.
"""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Related, Severity
from lossscale_lint.facts.views import clips_between
from lossscale_lint.rules.base import Rule, RuleContext


def check_clip_inside_accumulation(ctx: RuleContext) -> Iterator[Diagnostic]:
    for backward in ctx.facts.updates:
        step = backward.step
        if step is None or step.guard is None:
            continue
        guard = step.guard
        # Between the backward and the guard: outside the guarded block, so after every micro-batch.
        for clip in clips_between(backward, guard.span):
            yield CLIP_INSIDE_ACCUMULATION.diagnostic(
                ctx,
                clip.span,
                f"`{clip.written or clip.function}` runs after every micro-batch backward, but the optimizer "
                f"steps every {guard.steps.source} micro-batches: it clips partial sums of the accumulated "
                "gradient, so the result depends on K and on the order of the micro-batches",
                related=(Related(span=guard.span, message="accumulation guard here"),
                         Related(span=step.span, message="optimizer step here")),
                factor="the accumulated gradient is no longer the clipped full-batch gradient",
                suggestion="clip once, inside the accumulation guard, right before the optimizer step",
            )


CLIP_INSIDE_ACCUMULATION = Rule(
    "LSL205", "clip-inside-accumulation", Severity.WARNING,
    "Gradient clipping after every micro-batch backward instead of once before the accumulated step.",
    check_clip_inside_accumulation, reads=("updates",),
    finds="`clip_grad_norm_` between each micro-batch backward and the accumulation guard: it clips partial sums",
)

RULES = (CLIP_INSIDE_ACCUMULATION,)
