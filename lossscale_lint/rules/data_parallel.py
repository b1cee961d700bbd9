"""LSL302-LSL304: data parallelism (DDP, FSDP, Horovod, Accelerate on several processes) and what
the averaging of the ranks' gradients does to summed losses, world-size factors and the lr.

Every wrapper here averages the W per-rank gradients (ml-scaling-semantics.md 2.4, 9): a per-rank
mean loss gives the global-batch mean gradient, whatever W is.
"""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Related, Severity
from lossscale_lint.facts.model import DataParallelSite, DataTerm, OptimizerSite, OtherTerm, ScaleRole, UpdateSite
from lossscale_lint.facts.loops import has_decay
from lossscale_lint.facts.scaling import format_factor
from lossscale_lint.facts.views import (
    describe_sum,
    made_elsewhere,
    related_backward,
    sum_location,
    summed_terms,
    world_size_power,
)
from lossscale_lint.rules.base import Rule, RuleContext
from lossscale_lint.rules.edits import remove_scale_op

# A division by one of these next to `* world_size` is a global count (`loss * num_processes /
# num_items_in_batch`, Accelerate's token recipe): together they normalise by the global batch.
_GLOBAL_COUNT_ROLES = (ScaleRole.OTHER, ScaleRole.BATCH_COUNT)


def _averaged(wrapper: DataParallelSite) -> Related:
    return Related(span=wrapper.span, message=f"{wrapper.who} averages the ranks' gradients here")


def _scale_sensitive(update: UpdateSite) -> bool:
    """Whether a constant factor on the loss changes this update: plain SGD steps by it; an adaptive
    optimizer cancels it in its step but not in coupled weight decay or in a clipping threshold."""
    optimizer = update.step.optimizer if update.step else None
    if optimizer is None:
        return False
    coupled = not optimizer.decoupled and has_decay(optimizer.weight_decay)
    return optimizer.family == "sgd" or (optimizer.family == "adaptive" and (coupled or bool(update.clips)))


def check_sum_under_data_parallel(ctx: RuleContext) -> Iterator[Diagnostic]:
    wrapper = ctx.facts.averaging_data_parallel
    if wrapper is None:
        return
    for update in ctx.facts.updates:
        if not _scale_sensitive(update):
            continue
        for term in summed_terms(update, ctx.facts):
            if any(op.role is ScaleRole.WORLD_SIZE for op in term.ops):
                continue  # a world-size factor on top is LSL303's finding
            yield SUM_UNDER_DATA_PARALLEL.diagnostic(
                ctx,
                sum_location(term),
                f"{describe_sum(term)} reaches backward under {wrapper.who}, which averages the W ranks' "
                "gradients: the gradient is b x the global-mean gradient (b = the per-device batch, B/W), so "
                "the update follows the per-device batch and changes whenever the number of devices does",
                related=(*made_elsewhere(term), _averaged(wrapper), related_backward(update)),
                factor="gradient = (B/W) x global-mean gradient: x W/W' when the devices go W -> W' at the same "
                       "global batch B (W=2 -> 4: x0.5)",
                suggestion='use reduction="mean" (each rank\'s mean, averaged, is the global mean) and retune '
                           "the learning rate once",
            )


def _world_size_terms(update: UpdateSite) -> list[DataTerm | OtherTerm]:
    """Every term with its scaling: a world-size factor is explicit whatever the loss it multiplies
    (`loss = beta_reco_bce(...) * world_size` with the loss from a library)."""
    if update.flow is None:
        return []
    return [*update.flow.data_terms, *update.flow.other_terms]


def check_world_size_rescaling(ctx: RuleContext) -> Iterator[Diagnostic]:
    wrapper = ctx.facts.averaging_data_parallel
    if wrapper is None:
        return
    for update in ctx.facts.updates:
        for term in _world_size_terms(update):
            ops = [op for op in term.ops if op.role is ScaleRole.WORLD_SIZE]
            net = world_size_power(ops)
            if net == 0:
                continue
            if net > 0 and (ctx.facts.gathers or any(op.op == "div" and op.role in _GLOBAL_COUNT_ROLES for op in term.ops)
                            or (isinstance(term, DataTerm) and term.entry_span is not None)):
                continue  # a loss over gathered features, a global count, or a loss made out of sight
            op = next(o for o in ops if o.op == ("mul" if net > 0 else "div"))
            if net > 0:
                message = (f"the loss is multiplied by {op.factor.source} under {wrapper.who}, which already "
                           "averages the ranks' gradients: the average becomes their sum, W times the global-mean gradient")
                factor = "gradient x W (x2 at W=2, x8 at W=8)"
            else:
                message = (f"the loss is divided by {op.factor.source} under {wrapper.who}, which already "
                           "averages the ranks' gradients: the global-mean gradient is divided by W once more")
                factor = "gradient x 1/W (x0.5 at W=2, x0.125 at W=8)"
            yield WORLD_SIZE_RESCALING.diagnostic(
                ctx,
                op.span,
                message + ", and the update changes whenever the number of devices does",
                related=(_averaged(wrapper), related_backward(update)),
                factor=factor,
                suggestion=f"remove the {'multiplication' if net > 0 else 'division'} by {op.factor.source}: "
                           f"{wrapper.who} averages already (keep it only for a loss over all_gather'ed features)",
                # Unsafe: the update changes by W (to what the averaging wrapper means).
                fix=remove_scale_op(op, "unsafe"),
            )


def _stepped(ctx: RuleContext) -> list[tuple[UpdateSite, OptimizerSite]]:
    return [(u, u.step.optimizer) for u in ctx.facts.updates if u.step and u.step.optimizer and u.step.optimizer.lr]


def check_lr_world_size(ctx: RuleContext) -> Iterator[Diagnostic]:
    if not ctx.facts.data_parallel:
        return
    wrapper = ctx.facts.data_parallel[0]
    seen: set = set()
    for update, optimizer in _stepped(ctx):
        if optimizer.span in seen:
            continue
        seen.add(optimizer.span)
        lr = optimizer.lr
        lr_scaling, _ = ctx.facts.world_scaling_of(lr)
        loaders = [update.dataloader] if update.dataloader else list(ctx.facts.dataloaders)
        batches = [(loader.batch_size, *ctx.facts.world_scaling_of(loader.batch_size))
                   for loader in loaders if loader.batch_size is not None]
        derived = [(b, at) for b, scaling, at in batches if scaling == "div"]
        if derived and lr_scaling == "mul":
            batch, at = derived[0]
            yield LR_WORLD_SIZE.diagnostic(
                ctx,
                lr.span,
                f"the per-device batch `{batch.source}` is the global batch divided by the world size, so the "
                f"global batch stays the same on any number of devices, yet the learning rate `{lr.source}` is "
                "also multiplied by the world size: the batch is accounted for twice",
                related=(Related(span=at, message="per-device batch = global batch / W here"),
                         Related(span=wrapper.span, message=f"{wrapper.who} here")),
                factor="step x W'/W when the devices go W -> W' at the same global batch (W=2 -> 4: x2)",
                suggestion="scale the learning rate with the global batch, which does not change here: drop the "
                           "world-size factor from lr (or keep it and stop dividing the batch by W)",
            )
        elif batches and lr_scaling is None and lr.batch_scaling is None and all(s is None for _, s, _ in batches):
            batch = batches[0][0]
            yield LR_WORLD_SIZE.diagnostic(
                ctx,
                lr.span,
                f"each of the W processes under {wrapper.who} trains on a batch of `{batch.source}`, so the "
                f"global batch is {batch.source} x W, while the learning rate `{lr.source}` depends on neither "
                "the world size nor the global batch: running on more devices changes the global batch, not lr",
                related=(Related(span=batch.span, message="per-device batch here"),
                         Related(span=wrapper.span, message=f"{wrapper.who} here")),
                factor=f"global batch x W'/W when the devices go W -> W', lr x1 (linear scaling would multiply lr "
                       f"by W'/W: {format_factor(2.0)} for W=2 -> 4)",
                suggestion="derive lr from the global batch (lr = base_lr * batch_size * world_size / base_batch), "
                           "or keep the global batch fixed (batch_size = global_batch // world_size)",
            )


SUM_UNDER_DATA_PARALLEL = Rule(
    "LSL302", "data-parallel-sum-loss", Severity.WARNING,
    "A summed loss under DDP / FSDP / Horovod averaging: the step follows the per-device batch and the number of devices.",
    check_sum_under_data_parallel, reads=("data_parallel",),
    finds="A summed loss under DDP, FSDP, Horovod or Accelerate on several processes: the gradient is "
          "`(B/W) x g`",
)
WORLD_SIZE_RESCALING = Rule(
    "LSL303", "manual-world-size-rescaling", Severity.WARNING,
    "The loss is multiplied or divided by the world size on top of the averaging DDP already does.",
    check_world_size_rescaling, fix="unsafe", reads=("data_parallel",),
    finds="`loss * world_size` / `loss / world_size` on top of DDP's averaging: `W x g` or `g / W`",
)
LR_WORLD_SIZE = Rule(
    "LSL304", "lr-ignores-world-size", Severity.INFO,
    "Under data parallelism the lr ignores the world size (global batch grows with W), or accounts for it twice.",
    check_lr_world_size, reads=("data_parallel",),
    finds="lr that ignores the global batch `b x W`, or is multiplied by W while the per-device batch is "
          "`global // W`",
)

RULES = (SUM_UNDER_DATA_PARALLEL, WORLD_SIZE_RESCALING, LR_WORLD_SIZE)
