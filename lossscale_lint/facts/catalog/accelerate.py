"""Hugging Face Accelerate (ml-scaling-semantics.md): the Accelerator and what its backward does."""

from __future__ import annotations

ACCELERATOR_NAMES = frozenset({"accelerate.Accelerator", "accelerate.accelerator.Accelerator"})


# -- update sites ----------------------------------------------------------------------------------

from lossscale_lint.facts.catalog.records import BackwardCall, FrameworkDivisionWords  # noqa: E402

# `accelerator.backward(loss)` divides the loss by `gradient_accumulation_steps` when the
# Accelerator was created with it (accelerator.py: `loss = loss / self.gradient_accumulation_steps`).
BACKWARD_CALLS = (
    BackwardCall(kind="accelerate", method="backward", loss_at="argument",
                 receiver_made_by=("accelerate.Accelerator", "accelerate.accelerator.Accelerator"),
                 divides_by_accumulation="when_configured"),
)
DIVISION_WORDS = FrameworkDivisionWords(
    framework="accelerate", who="`accelerator.backward`",
    configured_here="Accelerator with gradient accumulation created here",
)
