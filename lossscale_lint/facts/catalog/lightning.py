"""Lightning (lightning, lightning.pytorch, pytorch_lightning): Trainer, LightningModule, Fabric.

Section 3 of ml-scaling-semantics.md: automatic optimization divides the loss `training_step`
returns by `Trainer(accumulate_grad_batches=K)`; `manual_backward` and `fabric.backward` do not.
The backward/step records are declared with the update sites.
"""

from __future__ import annotations

from lossscale_lint.facts.catalog.records import SettingNames

SETTINGS = SettingNames(accumulation=frozenset({"accumulate_grad_batches"}))
