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


# -- update sites (records.py: BackwardCall, AutomaticUpdate, GradientScaleCall, ManualUpdateCall) --

def _backward_calls():
    """Every framework's backward calls, the most specific first: a record that names the
    receiver's maker, then one that needs a scaling call, before the catch-all shapes."""
    found = [record for framework in FRAMEWORKS for record in getattr(framework, "BACKWARD_CALLS", ())]
    return tuple(sorted(found, key=lambda r: (not r.receiver_made_by, r.loss_at != "scaled_receiver")))


BACKWARD_CALLS = _backward_calls()
BACKWARD_METHODS = frozenset(record.method for record in BACKWARD_CALLS)
AUTOMATIC_UPDATES = tuple(record for framework in FRAMEWORKS for record in getattr(framework, "AUTOMATIC_UPDATES", ()))
DIVISION_WORDS = {words.framework: words for framework in FRAMEWORKS
                  if (words := getattr(framework, "DIVISION_WORDS", None)) is not None}
ENGINE_FACTORIES = deepspeed.ENGINE_FACTORIES
STEP_METHODS = torch.STEP_METHODS
OPTIMIZER_NAME_WORDS = torch.OPTIMIZER_NAME_WORDS
OPTIMIZER_NAMES = torch.OPTIMIZER_NAMES
NOT_OPTIMIZER_WORDS = torch.NOT_OPTIMIZER_WORDS
CLIP_METHODS = torch.CLIP_METHODS
CLIP_METHOD_RECEIVERS_EXCLUDED = torch.CLIP_METHOD_RECEIVERS_EXCLUDED
LOADER_WRAPPERS = torch.LOADER_WRAPPERS
GRADIENT_ATTRIBUTE = torch.GRADIENT_ATTRIBUTE
DATA_ATTRIBUTE = torch.DATA_ATTRIBUTE
GRADIENT_SCALE_METHODS = {r.method: r.op for r in torch.GRADIENT_SCALE_CALLS if r.method}
GRADIENT_SCALE_FUNCTIONS = {r.function: r.op for r in torch.GRADIENT_SCALE_CALLS if r.function}
MANUAL_UPDATE_CALLS = {r.method: r for r in torch.MANUAL_UPDATE_CALLS}
