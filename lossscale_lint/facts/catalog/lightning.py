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
    Reachable,
    RemovedUses,
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


# -- uses Lightning 2.0 removed ---------------------------------------------------------------------

# Lightning 2.0 decoupled the tuner from the Trainer (Lightning-AI/pytorch-lightning PR #16462, the
# 2.0 upgrade guide): `Trainer(auto_scale_batch_size=..., auto_lr_find=...)`, `trainer.tune()` and
# `trainer.tuner` are gone; the Trainer raises TypeError on the keywords (issue #20572, 2.5). Only the
# `lightning` package names 2.x: `pytorch_lightning` was published as 1.x and 2.x alike, so its
# Trainer is not listed, whatever else the file imports (issue #20572's environment has lightning 2.5
# and pytorch-lightning 1.9.5 side by side). The unified `lightning` package had 1.8/1.9 releases
# before 2.0; a project pinned to those silences the rule with a noqa.
_TUNER = "lightning.pytorch.tuner.Tuner(trainer)"
REMOVED_USES = (
    RemovedUses(
        framework="Lightning",
        removed_in=(2, 0),
        callable=Reachable("Trainer", ("lightning", "lightning.pytorch"), submodules=True),
        keywords=(
            ("auto_scale_batch_size", f"{_TUNER}.scale_batch_size(model)"),
            ("auto_lr_find", f"{_TUNER}.lr_find(model)"),
        ),
        members=(
            ("tune", f"{_TUNER}.scale_batch_size(model) / .lr_find(model)"),
            ("tuner", _TUNER),
        ),
        what_it_did="tuned the batch size and the learning rate before training",
        reference="Lightning-AI/pytorch-lightning PR #16462",
    ),
)
