"""Typed facts about one module's training code.

The extractor (`lossscale_lint.facts.extract`) walks the syntax tree once and fills these models;
rules only read them. Every site keeps its span so that diagnostics and fixes can point at it.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from lossscale_lint.diagnostics import Span, record
# The reduction vocabulary lives in its own small module so that the catalog (imported by the text
# pre-check on every run) need not build these models; it belongs to the facts model all the same.
from lossscale_lint.facts.vocabulary import LossEdit, MeanDivisor, Reduction
from lossscale_lint.facts.values import RuntimeSetting, Value
# The setup facts (optimizers, loaders, wrappers, batch-size sources) live in their own module and
# belong to this model all the same.
from lossscale_lint.facts.model_setup import (
    AcceleratorSite,
    BatchSizeSource,
    DataLoaderSite,
    DataParallelSite,
    IgnoredTargetClue,
    OptimizerSite,
    RemovedUse,
    WorldScaledName,
)



@record
class LegacyReductionArg:
    """A deprecated `size_average=` or `reduce=` keyword on a PyTorch loss."""

    keyword: Literal["size_average", "reduce"]
    value: Value
    span: Span  # the whole `keyword=value` argument


@record
class LossSite:
    """Where a loss is defined: a loss module, a functional loss, or a hand-written `.sum()`."""

    # "model": the loss a library model returns itself (`model(**batch).loss`).
    kind: Literal["module", "functional", "manual", "model"]
    name: str  # "CrossEntropyLoss", "cross_entropy", "sum", "GPT2LMHeadModel.loss"
    call_span: Span
    # The reduction the call itself applies (after legacy arguments are taken into account).
    reduction: Reduction
    # The `reduction=` argument when written out (its whole `reduction=...` argument span), and its
    # value (`"mean"`, or `reduction` with where its value came from).
    reduction_arg_span: Span | None = None
    reduction_value: Value | None = None
    legacy_args: tuple[LegacyReductionArg, ...] = ()
    # What to delete to drop the legacy arguments while keeping the `reduction=` argument (or the
    # first legacy argument, which a fix turns into one): commas and spacing included.
    legacy_removal: tuple[Span, ...] = ()
    # The span right before the closing parenthesis of the call, for inserting an argument.
    args_end: Span | None = None
    # What goes before an argument inserted at `args_end`: "" (no arguments yet), ", " or " " (after
    # a trailing comma).
    args_separator: str = ""
    # What the loss's "mean" divides by (from the catalog; a hand-written `.mean()`: every element).
    mean_divides_by: MeanDivisor = MeanDivisor.UNKNOWN
    # The reduction that divides by B when "mean" divides by every element (KLDivLoss's "batchmean").
    per_sample_reduction: Reduction | None = None
    # For a loss whose "mean" divides by the summed weights of the non-ignored targets
    # (CrossEntropy, NLL): `ignore_index=` and the class `weight=` when written (a literal None
    # weight is no weight), and the target value it ignores when `ignore_index` is not written.
    ignore_index: Value | None = None
    class_weights: Value | None = None
    default_ignore_index: int | None = None
    # A library model's loss that is a mean over the valid label tokens of each batch (a language
    # model's `outputs.loss`; catalog: ReturnedLossRecord.token_class_markers). Passed a count
    # (`num_items_in_batch=n`), it is the token sum divided by n: a division op of the data term.
    token_mean: bool = False

    @property
    def mean_is_per_sample(self) -> bool:
        """Whether switching this loss between sum and mean scales its gradient by exactly B."""
        return self.mean_divides_by.per_sample


class ScaleRole(str, Enum):
    BATCH_LENGTH = "batch_length"  # x.size(0), len(y): the actual length of this batch
    BATCH_SIZE = "batch_size"  # args.batch_size, BATCH_SIZE: the configured batch size
    ACCUMULATION = "accumulation"  # the accumulation steps K
    WORLD_SIZE = "world_size"
    CONSTANT = "constant"  # a number that is none of the above
    # len(train_loader): the number of batches N/B, which shrinks as the batch grows. A penalty
    # divided by it (`kl / len(loader)`, Blundell et al.'s minibatch weighting) grows with B.
    BATCH_COUNT = "batch_count"
    # args.batch_size / x.size(0) (or its inverse): about 1, a correction for a short last batch;
    # it has nothing to do with K, so it neither divides by K nor hides a missing division.
    BATCH_RATIO = "batch_ratio"
    MASK = "mask"  # a 0/1 tensor made by a comparison (`y != pad`): it selects samples, never normalizes
    OTHER = "other"  # something we cannot classify (a token count, a variable)


@record
class ScaleOp:
    """A division or multiplication applied to a loss on its way to backward."""

    op: Literal["div", "mul"]
    factor: Value
    role: ScaleRole
    span: Span  # the binary operation or augmented assignment
    scope: str = ""  # the function the operation is written in
    # For `x / k` written as a binary operation: the left operand, which a fix can leave in place.
    operand: str | None = None
    # For `x = x / k` or `x /= k` alone on its line(s): the whole lines, which a fix can delete.
    statement_span: Span | None = None
    # The factor counts the ones of a mask (`mask.sum()`, `(y != pad).sum()`): the
    # number of valid elements (tokens) of this batch.
    counts_mask: bool = False
    # p when the factor is proportional to B^p, B the batch size or length: built from it by
    # products and quotients (`batch_size / num_train`: 1, `reg / (B * (B - 1))`: -2, B plus or
    # minus a constant counted as B); 0 when it does not follow B, or we cannot tell.
    batch_power: int = 0


@record
class DataTerm:
    """A data loss (a `LossSite` after any `.sum()`/`.mean()`) as it reaches backward."""

    loss: LossSite
    reduction: Reduction
    # Where the summing happens: the `reduction=` argument, the legacy argument, or the `.sum()` call.
    sum_span: Span | None = None
    ops: tuple[ScaleOp, ...] = ()  # innermost first, outer ops of the whole sum included
    # Where the loss is evaluated (`criterion(out, y)`): its function and the plain-name tensor
    # arguments, from which a fix can take the actual batch length (`y.size(0)`).
    invocation_scope: str = ""
    tensor_args: tuple[str, ...] = ()
    # For a loss made in another module of the project (a helper or criterion imported from
    # `losses.py`): where it enters the checked file (the call there). None: made in this file.
    entry_span: Span | None = None
    # For a loss added up over the samples of a batch in a Python loop (`loss += criterion(...)` in
    # `for x, y in group`): what counts that batch, `len(group)`.
    batch_length: str | None = None
    # D, the values per example of the loss's input when the model says so (`nn.Linear(64, 1)`: 1);
    # an element-wise mean divides by B*D.
    elements_per_example: int | None = None
    # Where a per-element loss (reduction "none") is averaged by a hand-written `.mean()` /
    # `torch.mean(...)` (its reduction is then MEAN over every element, ignored targets included,
    # not the loss's own "mean"); None for any other reduction.
    mean_span: Span | None = None
    # For a hand-written reduction (`outputs.abs().sum()`): the reduced values are computed from
    # the batch (the model's outputs, the loop's data), so a sum of them grows with B. False: we
    # cannot tell, or they are weights (`model.fc.weight.abs().sum()`).
    batch_values: bool = False


@record
class PenaltyTerm:
    """An explicit parameter penalty added to the loss (`lam * sum(p.pow(2).sum() ...)`)."""

    span: Span
    source: str
    ops: tuple[ScaleOp, ...] = ()


@record
class OtherTerm:
    """An additive term whose reduction we cannot see, with the scaling applied to it.

    `produced` terms come straight from a call we cannot look into (`model(x)` returning a loss,
    `outputs.loss`): their reduction is unknown, but whether they are divided by K is not.
    Terms that are not produced (a function parameter, an unknown global) tell us nothing.
    """

    source: str
    span: Span
    ops: tuple[ScaleOp, ...] = ()
    produced: bool = False
    # MEAN / SUM when the term is a whole `.mean()` / `.sum()` (no dim) of values we cannot follow
    # (`(z @ z.T).mean()`): a mean of them does not grow with B; None otherwise.
    reduction: Reduction | None = None


@record
class LossFlow:
    """What a backward call backpropagates, resolved through assignments and helpers."""

    data_terms: tuple[DataTerm, ...]
    penalties: tuple[PenaltyTerm, ...] = ()
    other_terms: tuple[OtherTerm, ...] = ()

    @property
    def scaled_terms(self) -> tuple[DataTerm | OtherTerm, ...] | None:
        """Every term with its scaling, or None when some term could not be followed at all."""
        if any(not term.produced for term in self.other_terms):
            return None
        return (*self.data_terms, *self.other_terms)


@record
class ClipSite:
    function: Literal["clip_grad_norm_", "clip_grad_value_"]
    threshold: Value | None
    span: Span
    # The name as the code spells it: messages quote what the user wrote, so the deprecated
    # `clip_grad_norm` (no underscore) is not reported as `clip_grad_norm_`.
    written: str = ""
    # Where a line goes before the clip's statement (an empty span at the start of its line) and
    # that line's indentation; None when the clip is not a statement on lines of its own.
    line_start: Span | None = None
    indent: str = ""


@record
class AmpScaling:
    """A backward through an AMP loss scaler (`scaler.scale(loss).backward()`)."""

    scaler: str  # the scaler as written: `scaler`, `self.scaler`
    # `<scaler>.unscale_(...)` calls in the same function, in source order.
    unscales: tuple[Span, ...] = ()
    # The optimizer `<scaler>.step(optimizer)` steps, as written; None when the step is another call.
    stepped_optimizer: str | None = None


@record
class AccumulationGuard:
    """An optimizer step that only runs every K micro-batches."""

    steps: Value  # K
    span: Span  # the guarding condition
    # The last window of a pass over the batches (facts/windows.py), for `(i + 1) % K == 0` on the
    # index of `for i, batch in enumerate(loader)` around the backward and the step: the counter
    # restarts every pass, so a pass of N batches ends with a window of N mod K micro-batches.
    counts_loop_batches: bool = False
    # The guard may also fire on the last batch (`or (i + 1) == len(loader)`: any `or` alternative,
    # or another step inside the loop).
    flushes_last_batch: bool = False
    # N, the number of batches of that loop when statically known (`enumerate(range(10))`).
    batches: int | None = None
    # What happens to the micro-batches of a short last window the guard does not step: "stepped"
    # by a step after the loop, "zeroed" by a `zero_grad()` before the loop, "carried" into the
    # next pass's first window (nothing zeroes them and an epoch loop around it in the same
    # function runs it again), "unapplied" (no loop around it here: run once, or by callers).
    leftover: Literal["stepped", "zeroed", "carried", "unapplied"] | None = None


@record
class FrameworkDivision:
    """A framework that divides the loss by the accumulation steps K before backward itself:
    `accelerator.backward` with `Accelerator(gradient_accumulation_steps=K)`, or Lightning's
    automatic optimization with `Trainer(accumulate_grad_batches=K)`."""

    framework: Literal["accelerate", "lightning"]
    steps: Value
    span: Span  # where K is configured (the Accelerator or Trainer call)
    # How a diagnostic names the framework and the place K is configured (from the catalog).
    who: str = ""
    configured_here: str = ""
    # Spellings that read the framework's own K (`self.trainer.accumulate_grad_batches`).
    steps_attributes: tuple[str, ...] = ()


@record
class StepSite:
    """Where the gradients are applied to the parameters."""

    span: Span
    # The optimizer that steps. A manual update (`p.data -= lr * p.grad`) is described as a plain
    # SGD optimizer whose lr and coupled decay are the ones written in the update.
    optimizer: OptimizerSite | None = None
    guard: AccumulationGuard | None = None
    # "optimizer": `opt.step()`, `scaler.step(opt)`; "manual": an update written by hand;
    # "engine": an engine that steps itself (`engine.step()`); "automatic": the framework steps
    # (Lightning); "apply_gradients": Keras `optimizer.apply_gradients`; "optax": `optax`
    # `update` + `apply_updates`.
    kind: Literal["optimizer", "manual", "engine", "automatic", "apply_gradients", "optax"] = "optimizer"


@record
class UpdateSite:
    """One place where gradients of a loss become a parameter update.

    It starts where the gradients are made (`loss.backward()`, `scaler.scale(loss).backward()`,
    `accelerator.backward(loss)`, what Lightning's `training_step` returns, Keras
    `tape.gradient`, `jax.grad`) and ends at the step that applies them (`step`); in between,
    gradients may be scaled in place (`gradient_scale`) and clipped (`clips`).
    """

    # How the gradients are made. "lightning": the loss a LightningModule's training_step returns
    # (automatic optimization); "keras_tape": `tape.gradient(loss, ...)`; "keras_fit": a compiled
    # model's `fit`; "jax_grad": `jax.grad` / `jax.value_and_grad`.
    kind: Literal["tensor", "amp_scaler", "accelerate", "fabric", "lightning", "lightning_manual", "deepspeed",
                  "keras_tape", "keras_fit", "jax_grad", "other"]
    span: Span
    scope: str  # the qualified name of the enclosing function, "<module>" at the top level
    flow: LossFlow | None = None  # None when the backpropagated value could not be resolved
    # The expression handed to backward (`loss` in `loss.backward()` or `scaler.scale(loss)`).
    value_source: str = ""
    value_span: Span | None = None
    # Whether making the gradients divides the loss by the accumulation steps K on its own: True
    # (`accelerator.backward` with K configured, a DeepSpeed engine, Lightning with
    # accumulate_grad_batches), False (the loss passes through unchanged), None (unknown).
    divides_by_accumulation: bool | None = False
    # How a fix may divide the loss by K: "wrap" turns `loss` into `(loss / K)` (a receiver, as in
    # `loss.backward()`), "plain" into `loss / K` (an argument); None: no fix is offered.
    loss_edit: LossEdit | None = None
    accelerator: AcceleratorSite | None = None
    framework_division: FrameworkDivision | None = None
    step: StepSite | None = None
    # Gradients scaled in place between backward and the step (`p.grad /= K`, `p.grad.mul_(1 / K)`,
    # `torch._foreach_div_(grads, K)`), each as a division or multiplication by its factor.
    gradient_scale: tuple[ScaleOp, ...] = ()
    # Divisions by the accumulation steps of this loss that never reach backward (`scaled = loss / K`
    # then `loss.backward()`, `loss.item() / K`, `for l in (a, b): l = l / K`): see facts/dead_divisions.py.
    dead_divisions: tuple[ScaleOp, ...] = ()
    clips: tuple[ClipSite, ...] = ()
    amp: AmpScaling | None = None  # for kind "amp_scaler"
    # The DataLoader the training loop around this backward iterates, when it can be followed.
    dataloader: DataLoaderSite | None = None


# The name this fact had while it only described backward calls.
BackwardSite = UpdateSite


@record
class ModuleFacts:
    path: str
    losses: tuple[LossSite, ...] = ()
    updates: tuple[UpdateSite, ...] = ()
    optimizers: tuple[OptimizerSite, ...] = ()
    dataloaders: tuple[DataLoaderSite, ...] = ()
    accelerators: tuple[AcceleratorSite, ...] = ()
    batch_sizes: tuple[BatchSizeSource, ...] = ()
    ignored_target_clues: tuple[IgnoredTargetClue, ...] = ()
    data_parallel: tuple[DataParallelSite, ...] = ()
    # Calls that gather tensors from every rank (`dist.all_gather`, `accelerator.gather`, a
    # `GatherLayer`): a loss built from them may legitimately be multiplied by the world size.
    gathers: tuple[Span, ...] = ()
    world_scaled_names: tuple[WorldScaledName, ...] = ()
    # Framework keywords and members the imported version removed (Lightning 2.0's tuning flags).
    removed_uses: tuple[RemovedUse, ...] = ()

    def world_scaling_of(self, value: Value) -> tuple[str | None, Span | None]:
        """How `value` follows the world size ("div"/"mul"), from its expression or from a later
        assignment to the name it reads; with where that assignment is."""
        if value.world_scaling:
            return value.world_scaling, value.span
        found = next((n for n in self.world_scaled_names if n.name in (value.source, value.canonical)), None)
        return (found.scaling, found.span) if found else (None, None)

    @property
    def averaging_data_parallel(self) -> DataParallelSite | None:
        """The data-parallel wrapper that averages the ranks' gradients, when there is exactly one kind."""
        kinds = {site.reduction for site in self.data_parallel}
        return self.data_parallel[0] if kinds == {"average"} else None

    @property
    def backwards(self) -> tuple[UpdateSite, ...]:
        """The update sites under their former name (readers not yet moved to `updates`)."""
        return self.updates

    def training_batch_size(self) -> BatchSizeSource | None:
        """Where the script sets the batch size it trains with, when statically known and unambiguous.

        The DataLoaders that training loops iterate decide first. Otherwise all sources agreeing is
        the easy case; then the DataLoaders when they agree (they are what batches the data; an
        argparse default nobody passes on does not); and when they do not (a training and an
        evaluation loader) the named settings: the argparse default or `BATCH_SIZE` constant.
        """
        training = [
            b.dataloader.batch_size_source for b in self.updates
            if b.dataloader is not None and b.dataloader.batch_size is not None and b.dataloader.batch_size.number
        ]
        known = [s for s in self.batch_sizes if s.value.number]
        loaders = [s for s in known if s.kind in ("dataloader", "slices")]
        named = [s for s in known if s.kind in ("argparse", "constant", "config")]
        for candidates in (training, known, loaders, named):
            if candidates and len({s.value.number for s in candidates}) == 1:
                # A setting with that value is where a person changes it: point there.
                same = [s for s in named if s.value.number == candidates[0].value.number]
                return same[0] if same else candidates[0]
        return None


__all__ = [
    "AcceleratorSite",
    "AccumulationGuard",
    "AmpScaling",
    "BackwardSite",
    "BatchSizeSource",
    "ClipSite",
    "DataLoaderSite",
    "DataParallelSite",
    "DataTerm",
    "FrameworkDivision",
    "IgnoredTargetClue",
    "LegacyReductionArg",
    "LossEdit",
    "LossFlow",
    "LossSite",
    "MeanDivisor",
    "ModuleFacts",
    "OptimizerSite",
    "OtherTerm",
    "PenaltyTerm",
    "Reduction",
    "RemovedUse",
    "RuntimeSetting",
    "ScaleOp",
    "ScaleRole",
    "StepSite",
    "UpdateSite",
    "Value",
    "WorldScaledName",
]
