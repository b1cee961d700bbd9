"""LSL106/LSL203: means over targets that leave some targets out.

LSL106: a CrossEntropy/NLL loss with `reduction="none"` and an ignore index or class weights,
averaged with `.mean()`. Its own "mean" divides the summed loss by sum(weight[target]) over the
targets that are not ignored; `.mean()` divides by every target, ignored ones included. The
gradient is the "mean" one times n_valid / n_total (weights: sum(w[y]) / n), a factor that changes
with the padding (or the class mix) of each batch.

LSL203: a token-level mean (over each micro-batch's valid tokens) accumulated over K micro-batches.
Each micro-batch counts 1/K, where the full batch gives it n_i / sum(n): a micro-batch of 3 tokens
weighs as much as one of 50.
"""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Related, Severity, Span
from lossscale_lint.facts.model import LossSite, ScaleOp, ScaleRole
from lossscale_lint.facts.views import accumulated_steps, ignored_target_clue, token_mean
from lossscale_lint.rules.base import Rule, RuleContext

# -- LSL106 -------------------------------------------------------------------------------------

# Scalings after a `.mean()` that leave its divisor as it is (by K, by the world size, by a number);
# a mask only zeroes elements. Anything else (a count, an unclassified value) may renormalise.
_NEUTRAL_ROLES = (ScaleRole.ACCUMULATION, ScaleRole.WORLD_SIZE, ScaleRole.CONSTANT)


def _keeps_every_element_divisor(ops: tuple[ScaleOp, ...]) -> bool:
    return all(op.role in _NEUTRAL_ROLES or (op.role is ScaleRole.MASK and op.op == "mul") for op in ops)


def _loss_written(loss: LossSite) -> str:
    extra = []
    if loss.ignore_index is not None:
        extra.append(f"ignore_index={loss.ignore_index.source}")
    if loss.class_weights is not None:
        extra.append(f"weight={loss.class_weights.source}")
    return f'`{loss.name}(reduction="none"{"".join(", " + e for e in extra)})`'


def _words(ignores: bool, weighted: bool) -> tuple[str, str, str, str]:
    """What `.mean()` divides by, what reduction="mean" divides by, their ratio, what it depends on."""
    if ignores and weighted:
        return ("every target, ignored ones included", "the summed class weights of the valid targets",
                "sum(weight[valid targets]) / (all targets)", "how much padding and which classes")
    if weighted:
        return ("the number of targets", "the summed class weights of the targets",
                "sum(weight[target]) / (number of targets)", "which classes")
    return ("every target, ignored ones included", "the valid targets only",
            "(valid targets) / (all targets)", "how much padding")


def check_none_mean_over_ignored(ctx: RuleContext) -> Iterator[Diagnostic]:
    seen: set[Span] = set()
    for update in ctx.facts.updates:
        for term in update.flow.data_terms if update.flow is not None else ():
            loss = term.loss
            if (term.mean_span is None or term.mean_span in seen or loss.default_ignore_index is None
                    or not _keeps_every_element_divisor(term.ops)):
                continue
            weighted = loss.class_weights is not None
            clue = ignored_target_clue(ctx.facts) if loss.ignore_index is None else None
            ignores = loss.ignore_index is not None or clue is not None
            if not (ignores or weighted):
                continue  # a plain classifier: no target is ignored, `.mean()` is the mean
            seen.add(term.mean_span)
            ignored = loss.ignore_index.source if loss.ignore_index is not None else str(loss.default_ignore_index)
            mean_divisor, own_divisor, ratio, depends = _words(ignores, weighted)
            written = _loss_written(loss)
            related = [Related(span=loss.call_span, message='the loss with reduction="none" is made here')]
            if clue is not None:
                written += (f", which ignores targets equal to {ignored} by default (and this file sets targets "
                            f"to it: `{clue.source}` at line {clue.span.line}),")
                related.append(Related(span=clue.span, message=f"targets set to {ignored} here"))
            count = f"(target != {ignored}).sum()" if ignores else "target.numel()"
            divisor = f"weight[target][target != {ignored}].sum()" if ignores and weighted else (
                "weight[target].sum()" if weighted else count)
            yield NONE_MEAN_OVER_IGNORED.diagnostic(
                ctx,
                term.mean_span,
                f"{written} averaged with `.mean()` divides by {mean_divisor}, where reduction=\"mean\" divides "
                f"by {own_divisor}: the gradient is the reduction=\"mean\" one scaled by {ratio} of each batch, "
                f"so the step size depends on {depends} the batch holds",
                related=related,
                factor=f'gradient x {ratio} per batch, against reduction="mean"',
                suggestion=f"divide the summed loss by what reduction=\"mean\" divides by: `loss.sum() / {divisor}`"
                           ', or use reduction="mean"',
            )


# -- LSL203 -------------------------------------------------------------------------------------

def check_token_mean_accumulation(ctx: RuleContext) -> Iterator[Diagnostic]:
    for update in ctx.facts.updates:
        accumulation = accumulated_steps(update)
        flow = update.flow
        if accumulation is None or flow is None or flow.scaled_terms is None:
            continue
        if any(op.role in (ScaleRole.OTHER, ScaleRole.BATCH_COUNT)
               for term in flow.scaled_terms for op in (*term.ops, *update.gradient_scale)):
            continue  # divided by a count we cannot classify: perhaps the window's token count
        found = next(((term, what) for term in flow.data_terms if (what := token_mean(term, ctx.facts)) is not None), None)
        if found is None:
            continue
        term, what = found
        steps, related = accumulation
        setting = steps.setting_phrase("above 1")
        yield TOKEN_MEAN_ACCUMULATION.diagnostic(
            ctx,
            update.value_span or update.span,
            f"{what} is a mean over each micro-batch's own token count n_i, and K={steps.source} micro-batches "
            f"are accumulated per optimizer step{', with ' + setting if setting else ''}: each micro-batch "
            "counts 1/K whatever its number of tokens, where the full batch gives it n_i / sum(n), so the "
            "accumulated gradient is not the full-batch token mean (a micro-batch of 3 tokens weighs as much "
            "as one of 50)",
            related=(Related(span=term.loss.call_span, message="the token-level loss is made here"), *related),
            factor="micro-batch i weighted 1/K instead of n_i / sum(n): x mean(n) / n_i against the full batch",
            suggestion="sum the token losses (reduction=\"sum\") and divide by the number of valid tokens of the "
                       "whole accumulation window (summed across ranks under DDP), counted before its first "
                       "backward; a Hugging Face model takes that count as num_items_in_batch=",
        )


NONE_MEAN_OVER_IGNORED = Rule(
    "LSL106", "none-reduction-mean-over-ignored", Severity.WARNING,
    'A reduction="none" CrossEntropy/NLL loss with ignored targets or class weights averaged with .mean().',
    check_none_mean_over_ignored, reads=("updates",),
    finds='`cross_entropy(..., reduction="none", ignore_index=...)` then `.mean()`: the gradient x '
          "(valid targets) / (all targets) of each batch (weights: sum(w[y]) / n)",
)

TOKEN_MEAN_ACCUMULATION = Rule(
    "LSL203", "token-mean-with-accumulation", Severity.WARNING,
    "A per-micro-batch token mean accumulated over K micro-batches: each micro-batch weighs 1/K, not its share of tokens.",
    check_token_mean_accumulation, reads=("updates",),
    finds="A token mean (`ignore_index`, `mask.sum()`, an LM's `outputs.loss`) accumulated over K micro-batches: "
          "micro-batch i weighted 1/K instead of n_i / sum(n)",
)

RULES = (NONE_MEAN_OVER_IGNORED, TOKEN_MEAN_ACCUMULATION)
