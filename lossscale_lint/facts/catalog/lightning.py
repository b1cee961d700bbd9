"""Lightning (lightning, lightning.pytorch, pytorch_lightning): Trainer, LightningModule, Fabric."""

from __future__ import annotations
