"""Hugging Face Accelerate (ml-scaling-semantics.md section 4): the Accelerator, what its backward
divides by, and `prepare`, which hands back the objects it is given."""

from __future__ import annotations

from lossscale_lint.facts.catalog.records import AcceleratorRecord, Reachable, SameObjectCall, SettingNames

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
