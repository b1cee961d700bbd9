"""LSL201/LSL202: gradient accumulation with the loss divided by K zero times or twice."""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Edit, Fix, Related, Severity
from lossscale_lint.facts.vocabulary import LossEdit
from lossscale_lint.facts.model import ScaleOp, ScaleRole, Value
from lossscale_lint.rules.base import Rule, RuleContext
from lossscale_lint.rules.edits import remove_scale_op
from lossscale_lint.facts.views import divides_by, needs_parentheses, related_backward, same_quantity
from lossscale_lint.facts.scaling import accumulation_factor, format_factor

def _steps_label(steps: Value) -> str:
    plain = steps.source == str(steps.value) or steps.number is None or steps.setting is not None
    return f"K={steps.source}" if plain else f"K={steps.source} ({steps.value})"


def _whenever_above_one(steps: Value) -> str:
    """For K read from a setting: the run-time values the diagnostic is about (its default may be 1)."""
    phrase = steps.setting_phrase("above 1")
    return f", with {phrase}" if phrase else ""


def _factor(steps: Value, divisions: int) -> str | None:
    """The numeric factor, for a K that is known and not merely a setting's default of 1 or less."""
    if not steps.number or (steps.setting is not None and steps.number <= 1):
        return None
    return format_factor(accumulation_factor(int(steps.number), divisions))


def check_missing_division(ctx: RuleContext) -> Iterator[Diagnostic]:
    for backward in ctx.facts.updates:
        step = backward.step
        # Only a backward that passes the loss through unchanged: one that divides by K itself
        # (Accelerate with K, DeepSpeed) is LSL202's business, an unknown one stays silent.
        if step is None or step.guard is None or backward.flow is None or backward.divides_by_accumulation is not False:
            continue
        steps = step.guard.steps
        terms = backward.flow.scaled_terms
        if terms is None or any(op.role in (ScaleRole.OTHER, ScaleRole.BATCH_COUNT)
                                for t in terms for op in (*t.ops, *backward.gradient_scale)):
            continue  # an unclassified divisor (a token count, ...) may already normalise
        if any(divides_by(t.ops, steps) for t in terms) or divides_by(backward.gradient_scale, steps):
            continue
        factor = _factor(steps, 0)
        fix = None
        if backward.value_span is not None and backward.loss_edit is not None:
            value = backward.value_source
            value = f"({value})" if needs_parentheses(value) else value
            divided = f"{value} / {steps.source}"
            fix = Fix(applicability="unsafe", description=f"divide the loss by {steps.source} before backward",
                      edits=(Edit(span=backward.value_span, content=f"({divided})" if backward.loss_edit is LossEdit.WRAP else divided),))
        message = (f"gradients of {_steps_label(steps)} micro-batches are accumulated before each optimizer step, "
                   f"but `{backward.value_source}` is not divided by {steps.source}: the accumulated gradient is K times the batch mean")
        dead = tuple(Related(span=op.span, message="this division never reaches backward")
                     for op in backward.dead_divisions)
        if dead:  # the author divided a copy (`scaled = loss / K`, `loss.item() / K`), not the loss
            message = (f"gradients of {_steps_label(steps)} micro-batches are accumulated before each optimizer step, "
                       f"and the loss is divided by {steps.source} at line {dead[0].span.line}, but that division never "
                       f"reaches backward: `{backward.value_source}` is undivided, so the accumulated gradient is "
                       f"K times the batch mean")
        yield MISSING_DIVISION.diagnostic(
            ctx,
            backward.value_span or backward.span,
            message + _whenever_above_one(steps),
            related=(Related(span=step.guard.span, message="accumulation guard here"),
                     Related(span=step.span, message="optimizer step here"), *dead),
            factor=f"gradient x K ({factor})" if factor else "gradient x K",
            suggestion=f"divide the loss by {steps.source} before backward",
            fix=fix,
        )


def check_double_division(ctx: RuleContext) -> Iterator[Diagnostic]:
    for backward in ctx.facts.updates:
        division = backward.framework_division
        if division is None or backward.flow is None:
            continue
        steps = division.steps
        if steps.number is not None and steps.number <= 1 and steps.setting is None:
            continue  # a literal (or constant) K of 1: nothing is accumulated
        # The loss's own scaling, then the gradients' (`p.grad /= K` between backward and step).
        scalings = [("the loss is", term.ops) for term in backward.flow.scaled_terms or ()]
        scalings.append(("the gradients are", backward.gradient_scale))
        for what, ops in scalings:
            divisions = [op for op in ops if op.op == "div" and (
                op.role is ScaleRole.ACCUMULATION or same_quantity(op.factor, steps))]
            multiplications = [op for op in ops if op.op == "mul" and (
                op.role is ScaleRole.ACCUMULATION or same_quantity(op.factor, steps))]
            if not divisions or len(multiplications) >= len(divisions):
                continue
            op = divisions[0]
            fix = None
            # Safe only when the divisor is exactly what the framework divides by.
            if same_quantity(op.factor, steps) or any(op.factor.canonical.endswith(own) for own in division.steps_attributes):
                fix = remove_scale_op(op, "safe")
            factor = _factor(steps, 2)
            who, where = division.who, division.configured_here
            yield DOUBLE_DIVISION.diagnostic(
                ctx,
                op.span,
                f"{what} divided by {op.factor.source} by hand, but {who} already divides "
                f"by the accumulation steps ({steps.source}): gradients end up K times too small{_whenever_above_one(steps)}",
                related=(Related(span=division.span, message=where), related_backward(backward)),
                factor=f"gradient x 1/K ({factor})" if factor else "gradient x 1/K",
                suggestion=f"remove the division by {op.factor.source}; {who} divides for you",
                fix=fix,
            )
            break


def _mismatch(op: ScaleOp, steps: Value) -> str | None:
    """How a division meant as the accumulation steps differs from the guard's K, in words; None
    when it may be the same number (an alias we cannot see, a setting's default)."""
    if op.op != "div" or op.role is not ScaleRole.ACCUMULATION:
        return None
    divisor, k = op.factor, steps
    # Two settings are two knobs for one quantity, whatever their defaults: set one, and the other
    # no longer matches. Not a function parameter: its caller may pass the other setting.
    settings = (divisor.setting, k.setting)
    if (all(s is not None and s.kind != "parameter" for s in settings)
            and divisor.setting.name != k.setting.name):
        return f"the setting {divisor.setting.name} while K is the setting {k.setting.name}"
    if same_quantity(divisor, k):
        return None
    if divisor.setting is None and k.setting is None and divisor.number and k.number:
        return f"{divisor.number:g} while K is {k.number:g}"
    return None


def check_division_mismatch(ctx: RuleContext) -> Iterator[Diagnostic]:
    for backward in ctx.facts.updates:
        step = backward.step
        if step is None or step.guard is None or backward.flow is None or backward.divides_by_accumulation is not False:
            continue
        steps = step.guard.steps
        terms = backward.flow.scaled_terms or ()
        if any(divides_by(t.ops, steps) and not any(_mismatch(op, steps) for op in t.ops) for t in terms):
            continue  # some term is divided by K itself
        found = next(((op, words) for t in terms for op in t.ops if (words := _mismatch(op, steps))), None)
        if found is None:
            continue
        op, words = found
        numbers = op.factor.setting is None and steps.setting is None
        ratio = steps.number / op.factor.number if numbers and op.factor.number and steps.number else None
        factor = f"gradient x K / {op.factor.source} ({format_factor(ratio)})" if ratio else f"gradient x K / {op.factor.source}"
        yield DIVISION_MISMATCH.diagnostic(
            ctx,
            op.span,
            f"the loss is divided by {op.factor.source} ({words}): the optimizer steps every {steps.source} "
            f"micro-batches, so the accumulated gradient is K / {op.factor.source} times the batch mean",
            related=(Related(span=step.guard.span, message="accumulation guard here"), related_backward(backward)),
            factor=factor,
            suggestion=f"divide by {steps.source}, the number of micro-batches each step accumulates",
            # Unsafe: the gradient changes by K / divisor, to the batch mean the code means.
            fix=Fix(applicability="unsafe", description=f"divide by {steps.source}",
                    edits=(Edit(span=op.factor.span, content=steps.source),)),
        )


MISSING_DIVISION = Rule("LSL201", "accumulation-missing-division", Severity.ERROR,
                        "Gradients are accumulated over K micro-batches but the loss is not divided by K.",
                        check_missing_division, fix="unsafe", reads=("updates",),
                        finds="Gradients accumulated over K micro-batches without dividing by K: "
                              "`K * g`.")
DOUBLE_DIVISION = Rule("LSL202", "accumulation-double-division", Severity.ERROR,
                       "The loss is divided by the accumulation steps by hand although the framework already divides.",
                       check_double_division, fix="safe", reads=("updates",),
                       finds="A manual `/ K` on top of `accelerator.backward` or Lightning's "
                             "`accumulate_grad_batches`, which divide already: `g / K`.")

DIVISION_MISMATCH = Rule("LSL204", "accumulation-division-mismatch", Severity.ERROR,
                         "The loss is divided by one number of accumulation steps while the optimizer steps every K.",
                         check_division_mismatch, fix="unsafe", reads=("updates",),
                         finds="`loss / 4` with a step every 8 micro-batches (or two different settings): "
                               "`(K / divisor) * g`.")

RULES = (MISSING_DIVISION, DOUBLE_DIVISION, DIVISION_MISMATCH)
