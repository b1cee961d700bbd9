"""A training loop as the change-aware rules and the advisor see it.

One backward call with the optimizer that steps it, reduced to the few quantities the scaling math
needs: does the data term grow with the batch ("sum") or not ("mean"), is the optimizer SGD-like or
adaptive, lr, weight decay and how it is applied, and the batch size the script trains with.
Anything we cannot read with certainty becomes None, and the callers then stay silent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lossscale_lint.diagnostics import Span
from lossscale_lint.facts.model import (
    BatchSizeSource,
    DataTerm,
    ModuleFacts,
    OptimizerSite,
    Reduction,
    UpdateSite,
    Value,
)
from lossscale_lint.facts.views import batch_scale, same_quantity, sum_location
from lossscale_lint.facts.scaling import DecayKind, OptimizerFamily


@dataclass(frozen=True)
class TrainingLoop:
    backward: UpdateSite
    optimizer: OptimizerSite
    reduction: Reduction | None  # SUM or MEAN: how the backpropagated data term scales with B
    terms: tuple[DataTerm, ...]

    @property
    def family(self) -> OptimizerFamily | None:
        family = self.optimizer.family
        return family if family in ("sgd", "adaptive") else None

    @property
    def loss_span(self) -> Span:
        """Where the reduction of the (first) data term is decided."""
        return sum_location(self.terms[0]) if self.terms else self.backward.span

    @property
    def decay(self) -> DecayKind | None:
        """How weight decay or a penalty acts: None when the loop has neither."""
        if self.optimizer.decoupled and has_decay(self.optimizer.weight_decay):
            return "decoupled"
        if has_decay(self.optimizer.weight_decay) or self.penalties:
            return "coupled"
        return None

    @property
    def penalties(self) -> tuple:
        return self.backward.flow.penalties if self.backward.flow else ()


def has_decay(weight_decay: Value | None) -> bool:
    # An unknown value counts: decay is configured, we just cannot say how much.
    return weight_decay is not None and weight_decay.value != 0


def loop_reduction(backward: UpdateSite, facts: ModuleFacts) -> Reduction | None:
    """SUM or MEAN when every data term scales alike (a sum divided by the configured batch size
    counts as MEAN: it does not grow with B either), else None."""
    flow = backward.flow
    if flow is None or not flow.data_terms or flow.other_terms:
        return None
    kinds = {batch_scale(term, facts).kind for term in flow.data_terms}
    if len(kinds) != 1 or Reduction.UNKNOWN in kinds:
        return None
    return kinds.pop()


def training_loops(facts: ModuleFacts) -> list[TrainingLoop]:
    loops = []
    for backward in facts.updates:
        optimizer = backward.step.optimizer if backward.step else None
        if optimizer is None:
            continue
        terms = backward.flow.data_terms if backward.flow else ()
        loops.append(TrainingLoop(backward, optimizer, loop_reduction(backward, facts), terms))
    return loops


def loop_key(loop: TrainingLoop, loops: list[TrainingLoop]) -> tuple[str, int]:
    """A name for a loop that survives edits around it: its function and its rank there."""
    same_scope = [other for other in loops if other.backward.scope == loop.backward.scope]
    return loop.backward.scope, same_scope.index(loop)


def paired_loops(base: ModuleFacts, new: ModuleFacts) -> list[tuple[TrainingLoop, TrainingLoop]]:
    """(base loop, new loop) for every loop present in both versions."""
    old_loops, new_loops = training_loops(base), training_loops(new)
    old_by_key = {loop_key(loop, old_loops): loop for loop in old_loops}
    pairs = []
    for loop in new_loops:
        old = old_by_key.get(loop_key(loop, new_loops))
        if old is not None:
            pairs.append((old, loop))
    return pairs


def describe_source(source: BatchSizeSource) -> str:
    if source.kind == "argparse":
        return f"default of {source.name}"
    if source.kind == "slices":
        return f"the step {source.value.source} of the hand-written batcher"
    if source.kind == "dataloader":
        return f"DataLoader(batch_size={source.value.source})"
    return f"{source.name} = {source.value.source}"


def value_ratio(old: Value | None, new: Value | None) -> float | None:
    """new / old for a setting such as lr; 1 when both spell the same quantity; None if unknown.

    Both missing (the optimizer's default on both sides) is unchanged too.
    """
    if old is None and new is None:
        return 1.0
    if old is None or new is None:
        return None
    if old.number is not None and new.number is not None:
        return new.number / old.number if old.number else None
    return 1.0 if same_quantity(old, new) or old.source == new.source else None


def unchanged(factor: float) -> bool:
    return math.isclose(factor, 1.0, rel_tol=1e-9)
