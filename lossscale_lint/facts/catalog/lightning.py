"""Lightning (lightning, lightning.pytorch, pytorch_lightning): Trainer, LightningModule, Fabric.

Section 3 of ml-scaling-semantics.md: automatic optimization divides the loss `training_step`
returns by `Trainer(accumulate_grad_batches=K)`; `manual_backward` and `fabric.backward` do not.
The backward/step records are declared with the update sites.
"""

from __future__ import annotations

from lossscale_lint.facts.catalog.records import (
    AutomaticUpdate,
    BackwardCall,
    FrameworkDivisionWords,
    LossAt,
    SettingNames,
)

SETTINGS = SettingNames(accumulation=frozenset({"accumulate_grad_batches"}))


# -- update sites ----------------------------------------------------------------------------------

BACKWARD_CALLS = (
    # Manual optimization: `self.manual_backward(loss)` passes the loss through unchanged.
    BackwardCall(kind="lightning_manual", method="manual_backward", loss_at=LossAt.ARGUMENT),
    # `fabric.backward(loss)` does not divide by anything.
    BackwardCall(kind="fabric", method="backward", loss_at=LossAt.ARGUMENT, receiver_made_by=("*Fabric",)),
)

# Automatic optimization: Lightning runs backward on what `training_step` returns and steps the
# optimizer `configure_optimizers` returns; with `Trainer(accumulate_grad_batches=K)` it divides
# the loss by K first.
AUTOMATIC_UPDATES = (
    AutomaticUpdate(
        kind="lightning",
        base_class_suffixes=("LightningModule",),
        step_method="training_step",
        loss_key="loss",
        optimizers_method="configure_optimizers",
        trainer_suffixes=(".Trainer",),
        accumulation_keyword="accumulate_grad_batches",
        steps_attributes=("trainer.accumulate_grad_batches",),
    ),
)
DIVISION_WORDS = FrameworkDivisionWords(
    framework="lightning", who="Lightning's automatic optimization",
    configured_here="Trainer with accumulate_grad_batches created here",
    steps_attributes=("trainer.accumulate_grad_batches",),
)
