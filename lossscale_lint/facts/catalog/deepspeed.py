"""DeepSpeed (ml-scaling-semantics.md section 6): the engine's backward and step, and its settings.

`deepspeed.initialize(model, optimizer, ...)` returns the engine wrapping the objects it is given;
the engine's backward/step records are declared with the update sites.
"""

from __future__ import annotations

from lossscale_lint.facts.catalog.records import (
    AccumulationDivision,
    BackwardCall,
    LossAt,
    SameObjectCall,
    SettingNames,
)

# `engine, optimizer, _, _ = deepspeed.initialize(model, optimizer, ...)`, unpacked in order.
SAME_OBJECT_CALLS = (SameObjectCall("initialize", unpacks_arguments=True),)

SETTINGS = SettingNames(accumulation=frozenset({"gradient_accumulation_steps"}))


# -- update sites ----------------------------------------------------------------------------------

# `engine.backward(loss)` scales the loss by 1/gradient_accumulation_steps from the engine's own
# configuration (not with `scale_wrt_gas=False`), and `engine.step()` steps only at the accumulation
# boundary: it counts its own calls and steps every gradient_accumulation_steps of them.
BACKWARD_CALLS = (
    BackwardCall(kind="deepspeed", method="backward", loss_at=LossAt.ARGUMENT, receiver_made_by=("deepspeed*",),
                 divides_by_accumulation=AccumulationDivision.ALWAYS, division_switch="scale_wrt_gas"),
)
# What builds an engine that steps itself (`engine.step()`): the first value `initialize` returns.
ENGINE_FACTORIES = ("deepspeed.initialize", "deepspeed.init_inference")
