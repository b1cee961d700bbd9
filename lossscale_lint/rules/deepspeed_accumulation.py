"""LSL208: gradient accumulation done by hand on top of a DeepSpeed engine, which accumulates itself.

The engine (ml-scaling-semantics.md section 6) divides the loss by its gradient_accumulation_steps
K_ds in `engine.backward(loss)` (unless `scale_wrt_gas=False`) and counts its `engine.step()` calls,
updating every K_ds of them. So a manual guard around `engine.step()` makes each update sum
K x K_ds micro-batches, and a manual `loss / K` divides the loss a second time.

LSL202 owns the same double division for Accelerate and Lightning, whose K is known in the file
(`FrameworkDivision`); the engine's K_ds lives in its configuration, so DeepSpeed is reported here.
"""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Related, Severity
from lossscale_lint.facts.model import ScaleOp, ScaleRole, UpdateSite, Value
from lossscale_lint.facts.scaling import format_factor
from lossscale_lint.facts.views import divides_by, related_backward
from lossscale_lint.rules.base import Rule, RuleContext
from lossscale_lint.rules.edits import remove_scale_op

# Divisors that may normalise the loss in a way the tool does not classify: stay silent with them.
_UNCLASSIFIED = (ScaleRole.OTHER, ScaleRole.BATCH_COUNT)


def _numbered(value: Value) -> str:
    """`K` or `K (4)`; a setting is named with its default (`--grad-accum (default 4)`)."""
    phrase = " ".join(value.setting_phrase("").split())
    if phrase:
        return f"{value.source} ({phrase})"
    if value.number is None or value.source == str(value.value):
        return value.source
    return f"{value.source} ({value.number:g})"


def _times(value: Value, inverse: bool = False) -> str:
    """The factor K brings, for a known number (not a setting, whose default says little)."""
    if not value.number or value.setting is not None:
        return ""
    return f" ({format_factor(1 / value.number if inverse else value.number)})"


def _accumulation_divisions(ops: tuple[ScaleOp, ...]) -> list[ScaleOp]:
    """The manual divisions by accumulation steps that no multiplication undoes."""
    divisions = [op for op in ops if op.op == "div" and op.role is ScaleRole.ACCUMULATION]
    undone = [op for op in ops if op.op == "mul" and op.role is ScaleRole.ACCUMULATION]
    return divisions if len(divisions) > len(undone) else []


def _engine_updates(ctx: RuleContext) -> Iterator[UpdateSite]:
    """A backward that divides by K_ds (`engine.backward(loss)`) followed by the step of an engine
    that steps itself (`engine.step()`, StepSite kind "engine")."""
    for update in ctx.facts.updates:
        if (update.divides_by_accumulation is True and update.flow is not None
                and update.step is not None and update.step.kind == "engine"):
            yield update


def check_deepspeed_double_accumulation(ctx: RuleContext) -> Iterator[Diagnostic]:
    for update in _engine_updates(ctx):
        step = update.step
        terms = update.flow.scaled_terms
        if terms is None:
            continue
        ops = tuple(op for t in terms for op in t.ops) + update.gradient_scale
        if any(op.role in _UNCLASSIFIED and op.op == "div" for op in ops):
            continue  # an unclassified divisor (a token count, ...) may already normalise
        guard = step.guard
        if guard is not None:
            k = guard.steps
            if (k.number is not None and k.number <= 1 and k.setting is None) or divides_by(ops, k) or any(
                    op.op == "div" and op.role is ScaleRole.ACCUMULATION for op in ops):
                # K of 1; or the loss divided by hand too: the mean of K x K_ds micro-batches, which
                # is a plain manual accumulation when K_ds is 1 (K_ds is not known here).
                continue
            yield DEEPSPEED_DOUBLE_ACCUMULATION.diagnostic(
                ctx,
                guard.span,
                f"`engine.step()` runs only every {_numbered(k)} micro-batches, but the DeepSpeed engine counts "
                "its step() calls and updates every gradient_accumulation_steps (K_ds) of them: each update "
                f"sums {k.source} x K_ds micro-batches, each divided only by K_ds: the gradient is {k.source} "
                f"times the mean gradient, over a batch {k.source} times larger than configured",
                related=(Related(span=step.span, message="the engine's step here"), related_backward(update)),
                factor=f"micro-batches per update x {k.source}{_times(k)}, gradient x {k.source}{_times(k)} "
                      ,
                suggestion="call engine.backward(loss) and engine.step() on every micro-batch and set "
                           "gradient_accumulation_steps in the DeepSpeed config instead of the manual guard",
            )
            continue
        for what, scale in (("the loss is", tuple(op for t in terms for op in t.ops)),
                            ("the gradients are", update.gradient_scale)):
            divisions = _accumulation_divisions(scale)
            if not divisions:
                continue
            op = divisions[0]
            k = op.factor
            yield DEEPSPEED_DOUBLE_ACCUMULATION.diagnostic(
                ctx,
                op.span,
                f"{what} divided by {_numbered(k)} by hand, but `engine.backward` already divides by the "
                "engine's gradient_accumulation_steps (K_ds): summed over the K_ds micro-batches of an "
                f"update, the gradient is the mean gradient divided by {k.source} once more",
                related=(related_backward(update), Related(span=step.span, message="the engine's step here")),
                factor=f"gradient x 1/{k.source}{_times(k, inverse=True)}",
                suggestion=f"remove the division by {k.source}; set gradient_accumulation_steps in the DeepSpeed "
                           "config and the engine divides for you",
                # Safe: without it the engine's own division gives the mean over its window, the
                # behaviour DeepSpeed documents, whatever K_ds is.
                fix=remove_scale_op(op, "safe") if what == "the loss is" else None,
            )
            break


DEEPSPEED_DOUBLE_ACCUMULATION = Rule(
    "LSL208", "deepspeed-double-accumulation", Severity.ERROR,
    "Accumulation done by hand on a DeepSpeed engine, which accumulates itself: a guard around engine.step() "
    "or a manual loss / K.",
    check_deepspeed_double_accumulation, fix="safe", reads=("updates",),
    finds="A manual `(i + 1) % K` guard around DeepSpeed's `engine.step()` (`K x g` over K x K_ds "
          "micro-batches) or `loss / K` before `engine.backward` (`g / K`)",
)

RULES = (DEEPSPEED_DOUBLE_ACCUMULATION,)
