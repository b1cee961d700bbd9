"""What the analyzer knows about each framework, as data: one module per framework.

Every module declares plain records (`records.py`); this package joins them into the lookup tables
the extractor, resolver, flow algebra and rules read. Adding a framework means adding a module here
and listing it in `FRAMEWORKS`, not editing the analysis.
"""

from __future__ import annotations

from lossscale_lint.facts.catalog import (
    accelerate,
    deepspeed,
    jax,
    keras,
    lightning,
    tensorflow,
    torch,
    transformers,
)
from lossscale_lint.facts.catalog.records import OptimizerInfo
from lossscale_lint.facts.catalog.torch import (
    ACCUMULATION_NAMES,
    ADAPTIVE_NAMES,
    BATCH_SIZE_NAMES,
    CLIP_FUNCTIONS,
    DATALOADER_NAMES,
    LEGACY_TO_REDUCTION,
    LOSS_FUNCTIONS,
    LOSS_MODULES,
    TORCH_OPTIMIZERS,
    WORLD_SIZE_NAMES,
    legacy_reduction,
)

FRAMEWORKS = (torch, accelerate, lightning, deepspeed, transformers, keras, tensorflow, jax)

ACCELERATOR_NAMES = accelerate.ACCELERATOR_NAMES
OTHER_OPTIMIZERS: dict[str, OptimizerInfo] = dict(transformers.OPTIMIZERS)

__all__ = [
    "ACCELERATOR_NAMES", "ACCUMULATION_NAMES", "ADAPTIVE_NAMES", "BATCH_SIZE_NAMES", "CLIP_FUNCTIONS",
    "DATALOADER_NAMES", "FRAMEWORKS", "LEGACY_TO_REDUCTION", "LOSS_FUNCTIONS", "LOSS_MODULES",
    "OTHER_OPTIMIZERS", "OptimizerInfo", "TORCH_OPTIMIZERS", "WORLD_SIZE_NAMES", "legacy_reduction",
]
