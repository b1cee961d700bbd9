"""Horovod (ml-scaling-semantics.md section 9): `hvd.DistributedOptimizer` averages the ranks'
gradients by default (`op=hvd.Average`); `op=hvd.Sum` sums them. `hvd.size()` is the world size."""

from __future__ import annotations

from lossscale_lint.facts.catalog.records import (
    DataParallelRecord,
    GatherNames,
    GradientReduction,
    Reachable,
    SameObjectCall,
    SettingNames,
)

_HOMES = ("horovod.torch", "horovod.tensorflow", "horovod.tensorflow.keras", "horovod.keras")

DATA_PARALLEL = (
    DataParallelRecord(Reachable("DistributedOptimizer", _HOMES), who="hvd.DistributedOptimizer",
                       reduction=GradientReduction.AVERAGE, op_keyword="op",
                       op_reductions=(("Average", GradientReduction.AVERAGE), ("Sum", GradientReduction.SUM))),
)
# `opt = hvd.DistributedOptimizer(opt, ...)` steps the optimizer it wraps.
SAME_OBJECT_CALLS = (SameObjectCall("DistributedOptimizer", returns_argument=True),)
GATHERS = GatherNames(functions=(Reachable("allgather", _HOMES),))

# `hvd.size()` only when it resolves to Horovod: a bare `size` is every tensor's `x.size()`.
SETTINGS = SettingNames(world_size_resolved_functions=(Reachable("size", _HOMES),))
