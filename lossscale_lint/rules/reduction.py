"""LSL101-LSL104: a loss summed over the batch, and what it does to SGD, decay, clipping and the
last batch."""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Edit, Fix, Related, Severity
from lossscale_lint.facts.model import DataTerm, OptimizerSite, Reduction, UpdateSite
from lossscale_lint.rules.base import Rule, RuleContext
from lossscale_lint.rules.keep_step import batch_length, keep_step_suggestion
from lossscale_lint.facts.views import (
    batch_example,
    batch_scale,
    describe_sum,
    made_elsewhere,
    penalty_grows_with_batch,
    needs_parentheses,
    related_backward,
    same_quantity,
    sum_location,
    summed_terms,
)
from lossscale_lint.facts.scaling import (
    clip_threshold_in_mean_units,
    effective_regularization_weight,
    format_number,
    last_batch_weight,
)

# Whether a loss's "mean" divides by the batch length (so that switching sum -> mean divides the
# gradient by exactly B) is a fact of the loss site: `LossSite.mean_is_per_sample` (from the catalog).


def _optimizer_related(optimizer: OptimizerSite) -> Related:
    return Related(span=optimizer.span, message=f"{optimizer.name} optimizer created here")


def _keep_step_fix(term: DataTerm, backward: UpdateSite, optimizer: OptimizerSite, ctx: RuleContext) -> Fix | None:
    """reduction="mean", lr x today's B, coupled weight decay / today's B and clipping thresholds
    / today's B: the very same update today (lr*(B*g + wd*w) = (lr*B)*(g + (wd/B)*w), and a
    gradient B times smaller clips at c/B exactly where B*g clipped at c), and no dependence on B
    after. Anything else tied to the loss scale that the fix cannot rescale keeps it from being
    offered: a fix must not leave the script half-adjusted."""
    known, _ = batch_example(ctx.facts)
    loss = term.loss
    if (
        known is None
        or not loss.mean_is_per_sample
        or loss.reduction_arg_span is None
        or loss.legacy_args
        or term.reduction is not loss.reduction
        or optimizer.lr is None
        or (backward.flow is not None and backward.flow.penalties)  # a penalty would need rescaling too
        or any(_fixed_threshold(clip) is None for clip in backward.clips)
    ):
        return None
    batch = format_number(known.number)
    edits = [
        Edit(span=loss.reduction_arg_span, content='reduction="mean"'),
        Edit(span=optimizer.lr.span, content=f"{_operand(optimizer.lr.source)} * {batch}"),
    ]
    decay = optimizer.weight_decay
    divided = []
    if decay is not None and not optimizer.decoupled and decay.value != 0:
        edits.append(Edit(span=decay.span, content=f"{_operand(decay.source)} / {batch}"))
        divided.append("the coupled weight decay")
    for clip in backward.clips:
        threshold = _fixed_threshold(clip)
        edits.append(Edit(span=threshold.span, content=f"{_operand(threshold.source)} / {batch}"))
        if "the clipping threshold" not in divided:
            divided.append("the clipping threshold")
    return Fix(
        applicability="unsafe",
        description=f'use reduction="mean", multiply lr by today\'s batch size {batch}'
        + (f" and divide {' and '.join(divided)} by it" if divided else ""),
        edits=tuple(edits),
    )


def _fixed_threshold(clip):
    """The clip's threshold when the fix can rescale it: written in this file, not scaled already."""
    threshold = clip.threshold
    if threshold is None or threshold.span is None or threshold.span.path is not None or threshold.batch_scaling:
        return None
    return threshold


def _operand(source: str) -> str:
    return f"({source})" if needs_parentheses(source) else source


def check_sum_with_sgd(ctx: RuleContext) -> Iterator[Diagnostic]:
    if ctx.facts.averaging_data_parallel is not None:
        return  # under DDP's averaging the step follows the per-device batch: LSL302 says so
    for backward in ctx.facts.updates:
        optimizer = backward.step.optimizer if backward.step else None
        if optimizer is None or optimizer.family != "sgd":
            continue
        if optimizer.lr is not None and optimizer.lr.batch_scaling == "div":
            continue  # lr = base_lr / batch_size: the step lr/B * B*g does not grow with B
        known, example = batch_example(ctx.facts)
        for term in summed_terms(backward, ctx.facts):
            yield SUM_WITH_SGD.diagnostic(
                ctx,
                sum_location(term),
                f"{describe_sum(term)} reaches backward and is stepped by {optimizer.name}: "
                "the gradient is B times the mean gradient, so every step grows with the batch size",
                related=(*made_elsewhere(term), _optimizer_related(optimizer), related_backward(backward)),
                factor=f"step = lr * B * mean gradient: x B'/B when the batch goes B -> B' ({example})",
                suggestion=keep_step_suggestion(term, optimizer.lr, known.number if known else None),
                fix=_keep_step_fix(term, backward, optimizer, ctx),
            )


def check_sum_with_coupled_regularizer(ctx: RuleContext) -> Iterator[Diagnostic]:
    for backward in ctx.facts.updates:
        optimizer = backward.step.optimizer if backward.step else None
        coupled = (
            optimizer is not None
            and not optimizer.decoupled
            and optimizer.weight_decay is not None
            and optimizer.weight_decay.value != 0  # an unknown value counts: decay is configured
            and optimizer.weight_decay.batch_scaling != "mul"  # decay * batch_size keeps wd/B fixed
        )
        penalties = tuple(p for p in (backward.flow.penalties if backward.flow else ())
                          if not penalty_grows_with_batch(p))
        if not coupled and not penalties:
            continue
        known, _ = batch_example(ctx.facts)
        for term in summed_terms(backward, ctx.facts):
            related = [related_backward(backward)]
            acts_as = ""
            if coupled:
                what = f"{optimizer.name}(weight_decay={optimizer.weight_decay.source})"
                decay = optimizer.weight_decay.number
                if decay is not None and known is not None:
                    weight = effective_regularization_weight(decay, Reduction.SUM, known.number)
                    acts_as = (f" (at B={format_number(known.number)}, weight_decay={format_number(decay)} "
                               f"acts as {format_number(weight)} on the mean loss)")
                related.insert(0, Related(span=optimizer.weight_decay.span, message="coupled weight decay here"))
            else:
                what = f"the penalty `{penalties[0].source}`"
            related += [Related(span=p.span, message="penalty added to the loss here") for p in penalties]
            related += made_elsewhere(term)
            yield SUM_WITH_REGULARIZER.diagnostic(
                ctx,
                sum_location(term),
                f"{describe_sum(term)} is combined with {what}: the regularizer does not grow with "
                "the batch, so its weight relative to the data term is lambda/B",
                related=related,
                factor=f"effective regularization = lambda / B: x B/B' when the batch goes B -> B'{acts_as}",
                suggestion='use reduction="mean" (and retune lambda once), or scale lambda with the batch size',
            )


def check_sum_with_clipping(ctx: RuleContext) -> Iterator[Diagnostic]:
    for backward in ctx.facts.updates:
        terms = summed_terms(backward, ctx.facts)
        if not terms:
            continue
        known, _ = batch_example(ctx.facts)
        for clip in backward.clips:
            threshold = clip.threshold
            if threshold is not None and threshold.batch_scaling == "mul":
                continue  # the threshold grows with B like the gradient does
            meaning = ""
            if threshold is not None and threshold.number is not None and known is not None:
                mean_units = clip_threshold_in_mean_units(threshold.number, Reduction.SUM, known.number)
                meaning = (f" (at B={format_number(known.number)}, {threshold.source} is "
                           f"{format_number(mean_units)} in mean-gradient units)")
            yield SUM_WITH_CLIPPING.diagnostic(
                ctx,
                clip.span,
                f"`{clip.written or clip.function}` with a fixed threshold clips the gradient of {describe_sum(terms[0])}: "
                "the gradient norm grows with B, so clipping bites harder at larger batches",
                related=(Related(span=sum_location(terms[0]), message="summed loss here"), related_backward(backward)),
                factor=f"threshold c acts as c/B on the mean gradient: x B/B' when the batch goes B -> B'{meaning}",
                suggestion='use reduction="mean", or scale the threshold with the batch size',
            )


# How each kind of batch source keeps a short last batch: (message clause, note at the source,
# the other way out besides dividing by the actual length).
_KEEPS_LAST_BATCH = {
    "dataloader": ("DataLoader keeps the last, smaller batch (drop_last is not True)", "DataLoader without drop_last=True",
                   "pass drop_last=True"),
    "slices": ("hand-written batcher's last slice is shorter unless B divides the data",
               "batches sliced here; the last one can be shorter", "stop the range at len(data) - B + 1"),
}


def check_fixed_normalizer(ctx: RuleContext) -> Iterator[Diagnostic]:
    for backward in ctx.facts.updates:
        if backward.flow is None:
            continue
        for term in backward.flow.data_terms:
            op = batch_scale(term, ctx.facts).fixed_by
            if op is None:
                continue
            loaders = [l for l in ctx.facts.dataloaders if l.batch_size is not None and same_quantity(l.batch_size, op.factor)]
            if not loaders or any(l.drop_last is not None and l.drop_last.value is not False for l in loaders):
                continue
            loader = loaders[0]
            fix = None
            if (term.tensor_args or term.batch_length) and op.scope == term.invocation_scope:
                actual = batch_length(term)
                fix = Fix(applicability="unsafe", description=f"divide by the actual batch length {actual}",
                          edits=(Edit(span=op.factor.span, content=actual),))
            b = op.factor.number
            example = f" (e.g. N=70, B={format_number(b)}: x{format_number(last_batch_weight(70, int(b)))})" if b and b == int(b) and b > 0 else ""
            keeps, note, otherwise = _KEEPS_LAST_BATCH[loader.kind]
            yield FIXED_NORMALIZER.diagnostic(
                ctx,
                op.span,
                f"the summed loss is divided by the configured batch size `{op.factor.source}` while the "
                f"{keeps}: that batch is under-weighted",
                related=(Related(span=loader.span, message=note), related_backward(backward)),
                factor=f"the last batch of r < B samples is weighted r/B{example}",
                suggestion=f"divide by the actual batch length `{batch_length(term)}`, or {otherwise}",
                fix=fix,
            )


SUM_WITH_SGD = Rule("LSL101", "sum-loss-with-sgd", Severity.ERROR,
                    "A loss summed over the batch is stepped by plain SGD: the step grows with the batch size.",
                    check_sum_with_sgd, fix="unsafe", reads=("updates",),
                    finds="A summed loss stepped by SGD/ASGD: each step is `lr * B * g`.")
SUM_WITH_REGULARIZER = Rule("LSL102", "sum-loss-with-coupled-regularizer", Severity.WARNING,
                            "A summed loss with coupled weight decay or an explicit penalty: the regularizer weakens as 1/B.",
                            check_sum_with_coupled_regularizer, reads=("updates",),
                            finds="A summed loss with coupled weight decay or an explicit penalty: "
                                  "the regularizer acts as `wd / B`.")
SUM_WITH_CLIPPING = Rule("LSL103", "sum-loss-with-clipping", Severity.WARNING,
                         "Gradient clipping with a fixed threshold on a summed loss: clipping tightens as B grows.",
                         check_sum_with_clipping, reads=("updates",),
                         finds="A fixed clipping threshold on a summed loss's gradient: it acts as "
                               "`c / B`.")
FIXED_NORMALIZER = Rule("LSL104", "fixed-batch-size-normalizer", Severity.WARNING,
                        "A summed loss divided by the configured batch size while the last batch is smaller.",
                        check_fixed_normalizer, fix="unsafe", reads=("updates",),
                        finds="A summed loss divided by the configured batch size while the last "
                              "batch is smaller: weight `r / B`.")

RULES = (SUM_WITH_SGD, SUM_WITH_REGULARIZER, SUM_WITH_CLIPPING, FIXED_NORMALIZER)
