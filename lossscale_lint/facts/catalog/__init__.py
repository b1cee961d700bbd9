"""What the analyzer knows about each framework, as data: one module per framework.

Every module declares plain records (`records.py`) in module-level tables; this package joins them
into the lookups the extractor, resolver, flow algebra and rules read. Adding a framework means
adding a module here and listing it in `FRAMEWORKS`, not editing the analysis.

Light on purpose: the text pre-check imports it on every run, so nothing here imports LibCST.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from enum import Enum
from types import ModuleType

from lossscale_lint.facts.catalog import (
    accelerate,
    deepspeed,
    horovod,
    jax,
    keras,
    lightning,
    python,
    tensorflow,
    torch,
    transformers,
)
from lossscale_lint.facts.catalog.records import (
    AcceleratorRecord,
    IgnoredTargetNames,
    ClipFunction,
    DataLoaderRecord,
    DataParallelRecord,
    GatherNames,
    GradientReduction,
    LossKind,
    LossRecord,
    OptimizerRecord,
    Reachable,
    RemovedUses,
    ReturnedLossRecord,
    SameObjectCall,
    SettingNames,
)
from lossscale_lint.facts.catalog.torch import LEGACY_TO_REDUCTION, legacy_reduction

FRAMEWORKS: tuple[ModuleType, ...] = (torch, accelerate, lightning, deepspeed, transformers, keras, tensorflow, jax,
                                      horovod)
# Every catalog module, the standard library's included.
MODULES: tuple[ModuleType, ...] = (*FRAMEWORKS, python)


def _joined(table: str) -> tuple:
    return tuple(record for module in FRAMEWORKS for record in getattr(module, table, ()))


def _joined_one(name: str) -> tuple:
    """The one record `name` of every framework that declares it."""
    return tuple(getattr(module, name) for module in FRAMEWORKS if hasattr(module, name))


# --- the catalog engineer's tables: losses, optimizers, the calls the sites read --------------------

LOSSES: tuple[LossRecord, ...] = _joined("LOSSES")
OPTIMIZERS: tuple[OptimizerRecord, ...] = _joined("OPTIMIZERS")
DATALOADERS: tuple[DataLoaderRecord, ...] = _joined("DATALOADERS")
ACCELERATORS: tuple[AcceleratorRecord, ...] = _joined("ACCELERATORS")
CLIPS: tuple[ClipFunction, ...] = _joined("CLIPS")
SAME_OBJECT_CALLS: dict[str, SameObjectCall] = {c.method: c for c in _joined("SAME_OBJECT_CALLS")}
NO_GRAD_CONTEXTS: tuple[str, ...] = _joined("NO_GRAD_CONTEXTS")
RETURNED_LOSSES: tuple[ReturnedLossRecord, ...] = _joined("RETURNED_LOSSES")
# Keywords and members a framework's new major version removed (Lightning 2.0's tuning flags).
REMOVED_USES: tuple[RemovedUses, ...] = _joined("REMOVED_USES")

# One framework's tensors are what the flow algebra follows today; others add their own tables.
TENSOR_METHODS = torch.TENSOR_METHODS
REDUCTIONS = torch.REDUCTIONS
REDUCTION_METHODS = dict(REDUCTIONS.methods)
REDUCTION_FUNCTIONS = dict(REDUCTIONS.functions)
REDUCTION_STRINGS = dict(REDUCTIONS.strings)
MODEL_HOME = torch.MODEL_HOME
MODEL_BASE = torch.MODEL_BASE
MODEL_FORWARD = torch.MODEL_FORWARD
MODEL_WRAPPERS = torch.MODEL_WRAPPERS
TERM_STACKER = torch.TERM_STACKER
PENALTIES = torch.PENALTIES
LOADER_NAME_WORD = torch.LOADER_NAME_WORD
OUTPUT_WIDTH = torch.OUTPUT_WIDTH
IGNORED_TARGET_NAMES = IgnoredTargetNames(parts=tuple(part for record in _joined_one("IGNORED_TARGET_NAMES")
                                                      for part in record.parts))
# The target values losses skip by default (-100): the literal in a script shows it pads targets.
DEFAULT_IGNORE_INDICES = frozenset(r.ignored_targets.default_ignore_index for r in LOSSES if r.ignored_targets)
ARGPARSE = python.ARGPARSE
BUILTINS = python.BUILTINS


def _settings(field: str) -> frozenset[str]:
    return frozenset().union(*(getattr(s, field) for s in _joined_settings()))


def _joined_settings() -> list[SettingNames]:
    return [module.SETTINGS for module in FRAMEWORKS if hasattr(module, "SETTINGS")]


BATCH_SIZE_NAMES = _settings("batch_size")
ACCUMULATION_NAMES = _settings("accumulation")
LEARNING_RATE_NAMES = _settings("learning_rate")
WORLD_SIZE_NAMES = _settings("world_size")
WORLD_SIZE_FUNCTIONS: tuple[Reachable, ...] = tuple(f for s in _joined_settings() for f in s.world_size_functions)
WORLD_SIZE_RESOLVED_FUNCTIONS: tuple[Reachable, ...] = tuple(
    f for s in _joined_settings() for f in s.world_size_resolved_functions)


def _by_qualified_name(records) -> dict[str, object]:
    return {qualified: r for r in records for qualified in r.callable.qualified_names}


_LOSSES_BY_NAME = _by_qualified_name(LOSSES)
_DATALOADERS_BY_NAME = _by_qualified_name(DATALOADERS)
_ACCELERATORS_BY_NAME = _by_qualified_name(ACCELERATORS)
_CLIPS_BY_FUNCTION = {clip.function: clip for clip in reversed(CLIPS)}  # the first spelling wins


def loss_record(qualified: str) -> LossRecord | None:
    """The loss a call to `qualified` (`torch.nn.MSELoss`) makes, if it is one."""
    return _LOSSES_BY_NAME.get(qualified)  # type: ignore[return-value]


_OPTIMIZERS_BY_LAST_NAME: dict[str, list[OptimizerRecord]] = {}
for _record in OPTIMIZERS:
    _OPTIMIZERS_BY_LAST_NAME.setdefault(_record.name, []).append(_record)
del _record


def optimizer_record(qualified: str) -> OptimizerRecord | None:
    """The optimizer `qualified` (`torch.optim.SGD`, `torch.optim.sgd.SGD`) constructs, if any."""
    candidates = _OPTIMIZERS_BY_LAST_NAME.get(qualified.rpartition(".")[2], ())
    return next((r for r in candidates if r.callable.reached_by(qualified)), None)


def dataloader_record(qualified: str) -> DataLoaderRecord | None:
    return _DATALOADERS_BY_NAME.get(qualified)  # type: ignore[return-value]


def accelerator_record(qualified: str) -> AcceleratorRecord | None:
    return _ACCELERATORS_BY_NAME.get(qualified)  # type: ignore[return-value]


def clip_record(function: str) -> ClipFunction | None:
    """The clipping function a `ClipSite.function` ("clip_grad_norm_") names."""
    return _CLIPS_BY_FUNCTION.get(function)


def removed_uses_record(qualified: str) -> RemovedUses | None:
    """The removals of the class a call to `qualified` (`lightning.Trainer`) constructs, if any."""
    return next((r for r in REMOVED_USES if r.callable.reached_by(qualified)), None)


def returned_loss(qualified: str) -> tuple[ReturnedLossRecord, str] | None:
    """The library model a constructor call `qualified` builds, with its class name, when its
    forward returns a loss whose reduction the catalog knows."""
    for record in RETURNED_LOSSES:
        cls = record.model_class(qualified)
        if cls is not None:
            return record, cls
    return None


def is_world_size_function(dotted: str, qualified: str = "") -> bool:
    """`dist.get_world_size` (any spelling that ends in a known world-size function's name), or
    `hvd.size` when the call resolves to Horovod's (`qualified`)."""
    return (any(dotted.endswith(f.name) for f in WORLD_SIZE_FUNCTIONS)
            or any(f.reached_by(qualified) for f in WORLD_SIZE_RESOLVED_FUNCTIONS))


# --- data parallelism: the wrappers that reduce gradients over ranks, the gathers -----------------

DATA_PARALLEL: tuple[DataParallelRecord, ...] = _joined("DATA_PARALLEL")
GATHERS: tuple[GatherNames, ...] = tuple(m.GATHERS for m in FRAMEWORKS if hasattr(m, "GATHERS"))
GATHER_WORD = torch.GATHERS.word


def data_parallel_record(qualified: str) -> DataParallelRecord | None:
    return next((r for r in DATA_PARALLEL if r.callable.reached_by(qualified)), None)


def is_gather(dotted: str, qualified: str) -> bool:
    """A call that gathers tensors from the ranks: a known gather, or a callee named for one."""
    return (any(f.reached_by(qualified) for g in GATHERS for f in g.functions)
            or GATHER_WORD in dotted.lower())


def is_no_grad_context(dotted: str) -> bool:
    return dotted.endswith(NO_GRAD_CONTEXTS)


# --- names every table above knows, for the boundary test -------------------------------------------


def _strings(value) -> Iterator[str]:
    """Every name a record (or table of records) holds: its strings, qualified names and their
    last component. Enum members are vocabulary (Reduction.SUM), not names, and are skipped."""
    if isinstance(value, Enum):
        return
    if isinstance(value, str):
        yield value
        yield value.rpartition(".")[2]
    elif isinstance(value, Reachable):
        yield value.name
        yield from value.qualified_names
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _strings(getattr(value, item.name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (tuple, list, frozenset, set)):
        for item in value:
            yield from _strings(item)


def known_names() -> frozenset[str]:
    """Every class, function, method, keyword and setting name the catalog modules declare."""
    names: set[str] = set()
    for module in MODULES:
        for attribute, value in vars(module).items():
            if attribute.isupper() and not attribute.startswith("_"):  # the public tables
                names.update(_strings(value))
    return frozenset(name for name in names if name)


# --- compatible names for today's importers (extract.py, pipeline/precheck.py) ----------------------

# Loss class / function name -> whether it accepts the legacy size_average/reduce arguments.
LOSS_MODULES: dict[str, bool] = {r.name: r.accepts_legacy for r in LOSSES if r.kind is LossKind.MODULE}
LOSS_FUNCTIONS: dict[str, bool] = {r.name: r.accepts_legacy for r in LOSSES if r.kind is LossKind.FUNCTIONAL}
DATALOADER_NAMES = frozenset(_DATALOADERS_BY_NAME)
ACCELERATOR_NAMES = frozenset(_ACCELERATORS_BY_NAME)
# Qualified clipping function -> the canonical function name the facts use.
CLIP_FUNCTIONS: dict[str, str] = {q: clip.function for clip in CLIPS for q in clip.callable.qualified_names}

__all__ = [
    "ACCELERATORS", "ACCELERATOR_NAMES", "ACCUMULATION_NAMES", "ARGPARSE", "BATCH_SIZE_NAMES", "BUILTINS",
    "CLIPS", "CLIP_FUNCTIONS", "DATA_PARALLEL", "DATALOADERS", "DATALOADER_NAMES", "FRAMEWORKS", "GradientReduction", "LEARNING_RATE_NAMES",
    "LEGACY_TO_REDUCTION", "LOSSES", "LOSS_FUNCTIONS", "LOSS_MODULES", "MODEL_BASE", "MODEL_FORWARD", "MODEL_HOME",
    "MODEL_WRAPPERS",
    "LOADER_NAME_WORD", "MODULES", "NO_GRAD_CONTEXTS", "OUTPUT_WIDTH", "IGNORED_TARGET_NAMES", "DEFAULT_IGNORE_INDICES", "PENALTIES", "RETURNED_LOSSES", "TERM_STACKER",
    "OPTIMIZERS", "REDUCTIONS", "REMOVED_USES", "removed_uses_record", "REDUCTION_FUNCTIONS", "REDUCTION_METHODS", "REDUCTION_STRINGS",
    "SAME_OBJECT_CALLS", "TENSOR_METHODS", "WORLD_SIZE_FUNCTIONS", "WORLD_SIZE_NAMES", "accelerator_record",
    "clip_record", "data_parallel_record", "dataloader_record", "is_gather", "is_no_grad_context", "is_world_size_function", "known_names",
    "legacy_reduction", "loss_record", "optimizer_record", "returned_loss",
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
ZERO_GRAD_METHODS = torch.ZERO_GRAD_METHODS
AMP_UNSCALE_METHOD = torch.AMP_UNSCALE_METHOD
OPTIMIZER_NAME_WORDS = torch.OPTIMIZER_NAME_WORDS
OPTIMIZER_NAMES = torch.OPTIMIZER_NAMES
NOT_OPTIMIZER_WORDS = torch.NOT_OPTIMIZER_WORDS
CLIP_METHODS = torch.CLIP_METHODS
CLIP_METHOD_RECEIVERS_EXCLUDED = torch.CLIP_METHOD_RECEIVERS_EXCLUDED
# Wrappers a training loop puts around its DataLoader (`enumerate(loader)`, `tqdm(loader)`), and
# the gradient of a parameter (`p.grad`) with its autograd-free views (`p.data`, `p.grad.data`).
LOADER_WRAPPERS = python.BUILTINS.iteration_wrappers
GRADIENT_ATTRIBUTE = torch.TENSOR_METHODS.gradient_attribute
DATA_ATTRIBUTE = torch.TENSOR_METHODS.data_attribute
GRADIENT_SCALE_METHODS = {r.method: r.op.value for r in torch.GRADIENT_SCALE_CALLS if r.method}
GRADIENT_SCALE_FUNCTIONS = {r.function: r.op.value for r in torch.GRADIENT_SCALE_CALLS if r.function}
MANUAL_UPDATE_CALLS = {r.method: r for r in torch.MANUAL_UPDATE_CALLS}
