"""DeepSpeed: the engine's backward and step, and its JSON configuration keys."""

from __future__ import annotations


# -- update sites ----------------------------------------------------------------------------------

from lossscale_lint.facts.catalog.records import BackwardCall  # noqa: E402

# `engine.backward(loss)` scales the loss by 1/gradient_accumulation_steps from the engine's own
# configuration, and `engine.step()` steps only at the accumulation boundary.
BACKWARD_CALLS = (
    BackwardCall(kind="deepspeed", method="backward", loss_at="argument", receiver_made_by=("deepspeed*",),
                 divides_by_accumulation="always"),
)
# What builds an engine that steps itself (`engine.step()`): the first value `initialize` returns.
ENGINE_FACTORIES = ("deepspeed.initialize", "deepspeed.init_inference")
