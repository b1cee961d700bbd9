"""LSL402: gradients clipped while they are still multiplied by the AMP loss scale.

`scaler.scale(loss).backward()` leaves every gradient multiplied by the scaler's scale S (65536
at the start). `scaler.step(optimizer)` divides it back, but a clip in between compares the
threshold with S * ||g||: it almost always clips, by max_norm / (S * ||g||), and the step that
follows is that much smaller. `scaler.unscale_(optimizer)` before the clip is the documented fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Edit, Fix, Related, Severity
from lossscale_lint.facts.model import AmpScaling, ClipSite
from lossscale_lint.facts.views import clips_on_scaled_gradients
from lossscale_lint.rules.base import Rule, RuleContext


def unscale_fix(amp: AmpScaling, clip: ClipSite) -> Fix | None:
    if amp.stepped_optimizer is None or clip.line_start is None:
        return None
    line = f"{amp.scaler}.unscale_({amp.stepped_optimizer})"
    # Safe: `scaler.step` skips the second unscale of an optimizer already unscaled this step, so
    # the update is the clipped true gradient, which is what the code means.
    return Fix(applicability="safe", description=f"insert {line} before the clip",
               edits=(Edit(span=clip.line_start, content=f"{clip.indent}{line}\n"),))


def check_clip_before_unscale(ctx: RuleContext) -> Iterator[Diagnostic]:
    for backward in ctx.facts.updates:
        amp, step = backward.amp, backward.step
        for clip in clips_on_scaled_gradients(backward):
            threshold = clip.threshold.source if clip.threshold is not None else "the threshold"
            optimizer = amp.stepped_optimizer or "optimizer"
            yield CLIP_BEFORE_UNSCALE.diagnostic(
                ctx,
                clip.span,
                f"`{clip.written or clip.function}` runs on gradients still multiplied by the loss scale of "
                f"`{amp.scaler}` (65536 at the start): {threshold} is compared with S x ||g||, so it clips "
                "almost every step and shrinks it by max_norm / (S x ||g||)",
                related=(Related(span=backward.span, message="scaled backward here"),
                         Related(span=step.span, message="the scaler unscales only here")),
                factor="step x max_norm / (S x ||g||) (S = the loss scale, 65536 at the start)",
                suggestion=f"call {amp.scaler}.unscale_({optimizer}) before clipping",
                fix=unscale_fix(amp, clip),
            )


CLIP_BEFORE_UNSCALE = Rule(
    "LSL402", "clip-before-unscale", Severity.ERROR,
    "Gradients clipped after an AMP scaled backward without scaler.unscale_(): the threshold meets S x g.",
    check_clip_before_unscale, fix="safe", reads=("updates",),
    finds="`clip_grad_norm_` between `scaler.scale(loss).backward()` and `scaler.step()` without "
          "`unscale_`: step x max_norm / (S x ||g||)",
)

RULES = (CLIP_BEFORE_UNSCALE,)
