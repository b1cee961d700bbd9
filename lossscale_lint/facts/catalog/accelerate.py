"""Hugging Face Accelerate (ml-scaling-semantics.md section 4): the Accelerator, what its backward
divides by, and `prepare`, which hands back the objects it is given."""

from __future__ import annotations

from lossscale_lint.facts.catalog.records import (
    AcceleratorRecord,
    AccumulationDivision,
    DataParallelRecord,
    BackwardCall,
    FrameworkDivisionWords,
    LossAt,
    Reachable,
    SameObjectCall,
    SettingNames,
)

# `accelerator.backward(loss)` divides by `gradient_accumulation_steps` (outside DeepSpeed).
ACCELERATORS = (
    AcceleratorRecord(Reachable("Accelerator", ("accelerate", "accelerate.accelerator")),
                      accumulation_keyword="gradient_accumulation_steps"),
)

# `model = accelerator.prepare(model)`; `model, opt = accelerator.prepare(model, opt)`.
SAME_OBJECT_CALLS = (SameObjectCall("prepare", returns_argument=True, unpacks_arguments=True),)

SETTINGS = SettingNames(
    accumulation=frozenset({"gradient_accumulation_steps"}),
    world_size=frozenset({"num_processes"}),
)

# -- update sites ----------------------------------------------------------------------------------

# `accelerator.backward(loss)` divides the loss by `gradient_accumulation_steps` when the
# Accelerator was created with it (accelerator.py: `loss = loss / self.gradient_accumulation_steps`).
BACKWARD_CALLS = (
    BackwardCall(kind="accelerate", method="backward", loss_at=LossAt.ARGUMENT,
                 receiver_made_by=ACCELERATORS[0].callable.qualified_names,
                 divides_by_accumulation=AccumulationDivision.WHEN_CONFIGURED),
)
DIVISION_WORDS = FrameworkDivisionWords(
    framework="accelerate", who="`accelerator.backward`",
    configured_here="Accelerator with gradient accumulation created here",
)

# -- data parallelism -------------------------------------------------------------------------------

# `accelerator.backward` under `accelerate launch` with several processes is DDP: gradients are
# averaged over the processes. Nothing in the call says how many there are; a script that asks for
# them (or for the main process) is written for several.
DATA_PARALLEL = (
    DataParallelRecord(ACCELERATORS[0].callable, who="Accelerate (several processes)",
                       multi_process_attributes=frozenset({"num_processes", "is_main_process", "is_local_main_process",
                                                           "process_index", "wait_for_everyone", "gather",
                                                           "gather_for_metrics", "use_distributed"})),
)
