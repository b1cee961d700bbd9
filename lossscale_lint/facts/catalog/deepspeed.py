"""DeepSpeed (ml-scaling-semantics.md section 6): the engine's backward and step, and its settings.

`deepspeed.initialize(model, optimizer, ...)` returns the engine wrapping the objects it is given;
the engine's backward/step records are declared with the update sites.
"""

from __future__ import annotations

from lossscale_lint.facts.catalog.records import SameObjectCall, SettingNames

# `engine, optimizer, _, _ = deepspeed.initialize(model, optimizer, ...)`, unpacked in order.
SAME_OBJECT_CALLS = (SameObjectCall("initialize", unpacks_arguments=True),)

SETTINGS = SettingNames(accumulation=frozenset({"gradient_accumulation_steps"}))
