"""`advise`: what changing the batch size would do to each training loop, and what to change with it.

Pure analysis of the module's facts; `advisor_view` renders the result and `advisor_cli` runs it.
Per training loop (a backward call with the optimizer that steps it):

- B is the batch one loss sees (per process, per micro-batch), K the accumulation steps and W the
  number of processes; the examples per optimizer step are E = B*K*W. A summed loss scales the step
  with B only (accumulation divides by K, data parallelism averages over W), while the mean-loss
  heuristics and the steps per epoch follow E.
- Every number comes from `lossscale_lint.facts.scaling`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lossscale_lint.facts import catalog
from lossscale_lint.facts.catalog.records import OptimizerKeywords
from lossscale_lint.facts.model import ModuleFacts, Reduction, Value
from lossscale_lint.facts.views import (
    accumulated_steps,
    clips_on_scaled_gradients,
    describe_sum,
    token_mean,
    world_size_power,
)
from lossscale_lint.facts.loops import (
    TrainingLoop,
    describe_source,
    has_decay,
    training_loops,
)
from lossscale_lint.facts.scaling import (
    format_number,
    clip_threshold_keeping_pressure,
    clipping_pressure_factor,
    lr_rule,
    decay_timescale_epochs,
    regularization_factor,
    step_factor,
    steps_per_epoch,
    suggested_lr,
    weight_decay_keeping_regularization,
)

WHY_LR = {
    "keep-the-step": "summed loss with SGD: the step is lr*B*g, so lr*B/B' keeps every step exactly as it was",
    "linear": "mean loss with SGD: linear scaling rule (Goyal et al. 2017), a heuristic that needs a warm-up "
    "and stops holding at very large batches",
    "square-root": "adaptive optimizer: square-root rule (Malladi et al. 2022), a heuristic derived for "
    "batches below the critical batch size",
}


class AdviceError(Exception):
    """Advice cannot be given, worded as the one line the user will see."""


@dataclass(frozen=True)
class Setup:
    """The batch configuration before and after: per-loss batch B, accumulation K, processes W."""

    batch: float
    accumulation: float
    world_size: float

    @property
    def examples_per_step(self) -> float:
        return self.batch * self.accumulation * self.world_size


@dataclass(frozen=True)
class Change:
    before: Setup
    after: Setup
    batch_source: str  # where the current batch size was read, or "--from"
    dataset_size: int | None = None


@dataclass(frozen=True)
class Suggestion:
    parameter: str  # the keyword it is passed as: lr, weight_decay, max_norm (from the catalog)
    current: float | str
    suggested: float | str
    rule: str
    why: str


@dataclass(frozen=True)
class BeforeAfter:
    before: float
    after: float


@dataclass
class LoopAdvice:
    function: str
    line: int
    loss: str
    reduction: Reduction | None
    optimizer: str
    family: str | None
    lr: str | None
    weight_decay: str | None
    decay: str | None  # "coupled", "decoupled" or None
    clip_threshold: str | None
    accumulation: str | None
    data_parallel: str | None = None  # the wrapper that averages over the processes, if any
    step_factor: float | None = None
    # (W'/W)^p for the world-size factors the update carries: `loss * W` on top of DDP's averaging,
    # lr multiplied by W (p counts them, net of divisions); None when p = 0.
    world_size_factor: float | None = None
    world_size_power: int = 0
    regularization_factor: float | None = None
    clipping_pressure: float | None = None
    steps_per_epoch: BeforeAfter | None = None
    decay_timescale_epochs: BeforeAfter | None = None
    suggestions: list[Suggestion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Advice:
    path: str
    change: Change
    loops: list[LoopAdvice]


def _text(value: Value | None) -> str | None:
    """`args.lr = 0.001` when an expression has a known value, else the expression as written."""
    if value is None:
        return None
    if value.number is not None and value.source != str(value.value):
        return f"{value.source} = {value.value}"
    return value.source


def _describe_loss(loop: TrainingLoop) -> str:
    if not loop.terms:
        return "unknown (the value handed to backward could not be followed)"
    term = loop.terms[0]
    if loop.reduction == Reduction.SUM:
        return describe_sum(term)
    return f"`{term.loss.name}` ({term.reduction.value})"


def _scaled(value: Value, factor: float) -> float | str:
    """The suggested value: a number when the current one is known, else the expression times it."""
    if value.number is not None:
        return float(f"{value.number * factor:.12g}")  # 0.1 * 0.25 without float noise
    return f"({value.source}) * {factor:.6g}"


def current_setup(
    facts: ModuleFacts, old_batch: float | None, accumulation: float | None, world_size: float
) -> tuple[Setup, str]:
    if old_batch is not None:
        return Setup(old_batch, accumulation or 1, world_size), "--from"
    source = facts.training_batch_size()
    if source is None:
        raise AdviceError("cannot tell the current batch size from the code; pass it with --from OLD")
    return Setup(source.value.number, accumulation or 1, world_size), describe_source(source)


def loop_accumulation(loop: TrainingLoop) -> Value | None:
    guard = loop.backward.step.guard if loop.backward.step else None
    return guard.steps if guard is not None else None


def _world_size_power(loop: TrainingLoop, facts: ModuleFacts) -> int:
    """The net power of W in the update: the loss's world-size factors (when the gradients are
    averaged over the processes) and a learning rate multiplied or divided by W."""
    power = 0
    if facts.averaging_data_parallel is not None and loop.terms:
        power += world_size_power(loop.terms[0].ops)
    if loop.optimizer.lr is not None:
        power += {"mul": 1, "div": -1, None: 0}[facts.world_scaling_of(loop.optimizer.lr)[0]]
    return power


def _notes(loop: TrainingLoop, facts: ModuleFacts, advice: LoopAdvice, change: Change) -> None:
    """What the batch-size factors leave out: data parallelism, token weighting, AMP clipping."""
    wrapper = facts.averaging_data_parallel
    before, after = change.before, change.after
    if wrapper is not None:
        advice.data_parallel = wrapper.who
        if loop.reduction == Reduction.SUM:
            advice.notes.append(f"{wrapper.who} averages a summed loss's gradients: the step follows the "
                                "per-process batch B, not B*W (see LSL302)")
    elif (before.world_size, after.world_size) != (1, 1):
        advice.notes.append("no data-parallel wrapper found in this file; assuming the processes' gradients are "
                            "averaged, as DDP, FSDP and Horovod do by default")
    advice.world_size_power = _world_size_power(loop, facts)
    if advice.world_size_power:
        advice.world_size_factor = (after.world_size / before.world_size) ** advice.world_size_power
    accumulated = accumulated_steps(loop.backward)
    token = next((what for term in loop.terms if (what := token_mean(term, facts))), None)
    if token is not None and (accumulated is not None or after.accumulation > 1):
        k = accumulated[0].source if accumulated is not None else format_number(after.accumulation)
        advice.notes.append(f"{token} is a mean over each micro-batch's own tokens: accumulated over K={k} "
                            "micro-batches, micro-batch i weighs 1/K instead of n_i / sum(n) at any batch size, "
                            "and changing K changes which tokens weigh more (see LSL203)")
    for clip in clips_on_scaled_gradients(loop.backward):
        threshold = clip.threshold.source if clip.threshold is not None else "the threshold"
        advice.notes.append(f"the clip on line {clip.span.line} runs before {loop.backward.amp.scaler}.unscale_: "
                            f"{threshold} meets S x ||g|| (S = 65536 at the start), so every step shrinks by "
                            "max_norm / (S x ||g||) at any batch size (see LSL402)")


def advise_loop(loop: TrainingLoop, change: Change, facts: ModuleFacts) -> LoopAdvice:
    optimizer = loop.optimizer
    clip = loop.backward.clips[0].threshold if loop.backward.clips else None
    advice = LoopAdvice(
        function=loop.backward.scope,
        line=loop.backward.span.line,
        loss=_describe_loss(loop),
        reduction=loop.reduction,
        optimizer=optimizer.name,
        family=loop.family,
        lr=_text(optimizer.lr),
        weight_decay=_text(optimizer.weight_decay) or ("penalty in the loss" if loop.penalties else None),
        decay=loop.decay,
        clip_threshold=_text(clip) if loop.backward.clips else None,
        accumulation=_text(loop_accumulation(loop)),
    )
    _notes(loop, facts, advice, change)
    if loop.reduction is None or loop.family is None:
        advice.notes.append("the loss reduction or the optimizer family could not be read; no factors for this loop")
        return advice
    before, after, n = change.before, change.after, change.dataset_size
    reduction, family = loop.reduction, loop.family
    advice.step_factor = step_factor(reduction, family, before.batch, after.batch)
    if loop.decay == "coupled":
        advice.regularization_factor = regularization_factor("coupled", reduction, before.batch, after.batch, 1.0, 1.0)
    elif loop.decay == "decoupled":
        e0, e1 = before.examples_per_step, after.examples_per_step
        advice.regularization_factor = regularization_factor("decoupled", reduction, e0, e1, 1.0, 1.0)
        wd, lr = optimizer.weight_decay.number, optimizer.lr.number if optimizer.lr else None
        if n and wd and lr:
            advice.decay_timescale_epochs = BeforeAfter(
                decay_timescale_epochs(lr, wd, n, e0), decay_timescale_epochs(lr, wd, n, e1)
            )
    if loop.backward.clips:
        advice.clipping_pressure = clipping_pressure_factor(reduction, before.batch, after.batch)
    if n:
        advice.steps_per_epoch = BeforeAfter(
            steps_per_epoch(n, int(before.examples_per_step)), steps_per_epoch(n, int(after.examples_per_step))
        )
    advice.suggestions = suggestions_for(loop, change)
    if optimizer.lr is None:
        advice.notes.append(f"lr is {optimizer.name}'s default; pass lr explicitly to get a suggested value")
    if reduction == Reduction.SUM and loop_accumulation(loop) is not None:
        advice.notes.append("assumes the accumulated loss is divided by K once (see LSL201/LSL202)")
    return advice


def _suggest(parameter: str, value: Value, factor: float, rule: str, why: str) -> Suggestion:
    current = value.number if value.number is not None else value.source
    return Suggestion(parameter, current, _scaled(value, factor), rule, why)


def _optimizer_keywords(optimizer) -> OptimizerKeywords:
    record = catalog.optimizer_record(optimizer.qualified_name)
    return record.keywords if record is not None else catalog.OPTIMIZERS[0].keywords


def _threshold_keyword(function: str) -> str:
    record = catalog.clip_record(function)
    return record.threshold_keyword if record is not None else catalog.CLIPS[0].threshold_keyword


def suggestions_for(loop: TrainingLoop, change: Change) -> list[Suggestion]:
    """New lr, weight decay and clipping threshold; each helper is linear, so it is asked for the
    factor (the value for 1.0) and `_scaled` applies it to a number or an expression."""
    before, after = change.before, change.after
    reduction, family, optimizer = loop.reduction, loop.family, loop.optimizer
    suggestions = []
    lr_factor = 1.0
    words = _optimizer_keywords(optimizer)
    if optimizer.lr is not None:
        # keep-the-step follows the per-loss batch B; the heuristics follow the examples per step.
        rule = lr_rule(reduction, family)
        if rule == "keep-the-step":
            old_b, new_b = before.batch, after.batch
        else:
            old_b, new_b = before.examples_per_step, after.examples_per_step
        lr_factor, _ = suggested_lr(1.0, reduction, family, old_b, new_b)
        suggestions.append(_suggest(words.lr, optimizer.lr, lr_factor, rule, WHY_LR[rule]))
    wd = optimizer.weight_decay
    if loop.decay == "coupled" and reduction == Reduction.SUM and has_decay(wd):
        keep = weight_decay_keeping_regularization(1.0, "coupled", Reduction.SUM, before.batch, after.batch, 1.0, lr_factor)
        suggestions.append(_suggest(words.weight_decay, wd, keep, "keep-the-regularization",
                                    "coupled decay weighs wd/B against a summed data term; wd*B'/B keeps it"))
    elif loop.decay == "decoupled":
        keep = weight_decay_keeping_regularization(
            1.0, "decoupled", reduction, before.examples_per_step, after.examples_per_step, 1.0, lr_factor
        )
        if abs(keep - 1.0) > 1e-12:
            suggestions.append(_suggest(words.weight_decay, wd, keep, "keep-the-decay-per-epoch",
                                        "decoupled decay shrinks weights by (N/E)*lr*wd per epoch; "
                                        "this keeps it with the suggested lr"))
    clip = loop.backward.clips[0].threshold if loop.backward.clips else None
    if clip is not None and reduction == Reduction.SUM:
        keep = clip_threshold_keeping_pressure(1.0, Reduction.SUM, before.batch, after.batch)
        suggestions.append(_suggest(_threshold_keyword(loop.backward.clips[0].function), clip, keep, "keep-the-clipping-pressure",
                                    "the norm of a summed loss's gradient grows with B; "
                                    "c*B'/B clips as often as before"))
    return suggestions


def advise(
    facts: ModuleFacts,
    new_batch: float,
    *,
    old_batch: float | None = None,
    accumulation: float | None = None,
    old_accumulation: float | None = None,
    world_size: float = 1,
    old_world_size: float = 1,
    dataset_size: int | None = None,
) -> Advice:
    loops = training_loops(facts)
    if not loops:
        raise AdviceError(f"{facts.path}: found no training loop (a backward call followed by an optimizer step)")
    # The accumulation in the code (the step guard `% K`) is today's; --accumulation sets the new one.
    code_k = next((k.number for loop in loops if (k := loop_accumulation(loop)) and k.number), None)
    before, source = current_setup(facts, old_batch, old_accumulation or code_k, old_world_size)
    after = Setup(new_batch, accumulation or before.accumulation, world_size)
    change = Change(before, after, source, dataset_size)
    return Advice(facts.path, change, [advise_loop(loop, change, facts) for loop in loops])
