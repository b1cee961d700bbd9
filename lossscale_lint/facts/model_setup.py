"""Typed facts about how a script is set up to train: its optimizers, data loaders, accelerators,
data-parallel wrappers and where the batch size is configured (`facts/model.py` re-exports them
with the facts of its losses and updates)."""

from __future__ import annotations

from typing import Literal

from lossscale_lint.diagnostics import Span, record
from lossscale_lint.facts.values import Value

@record
class OptimizerSite:
    qualified_name: str  # "torch.optim.SGD"
    name: str  # "SGD"
    family: Literal["sgd", "adaptive", "unknown"]
    span: Span
    lr: Value | None = None
    weight_decay: Value | None = None
    weight_decay_span: Span | None = None
    decoupled: bool = False  # AdamW-style decay (lr * wd * w), independent of the loss scale
    momentum: Value | None = None
    args_end: Span | None = None
    args_separator: str = ""  # what goes before an argument inserted at `args_end` (see LossSite)
    # Coupled decay goes through the adaptive normalisation: its strength falls as 1/c for a loss x c.
    coupled_decay_normalised: bool = False
    # How to decouple it: the keyword that turns it on (`decoupled_weight_decay`), or the name of the
    # decoupled optimizer of the same module (`AdamW`) with the span of the name as written
    # (`torch.optim.Adam` -> `Adam`; None when the callee is a bare imported name).
    decoupled_flag: str | None = None
    decoupled_counterpart: str | None = None
    callee_name_span: Span | None = None


@record
class AcceleratorSite:
    span: Span
    gradient_accumulation_steps: Value | None = None


@record
class DataLoaderSite:
    span: Span
    batch_size: Value | None = None
    drop_last: Value | None = None
    # "slices": a hand-written batcher, `for i in range(0, len(x), B): x[i:i + B]`, whose last slice
    # is short like a DataLoader's last batch without drop_last.
    kind: Literal["dataloader", "slices"] = "dataloader"

    @property
    def batch_size_source(self) -> BatchSizeSource | None:
        """This loader's batch size as a batch-size source, when statically known."""
        if self.batch_size is None or not self.batch_size.known:
            return None
        name = "DataLoader(batch_size=...)" if self.kind == "dataloader" else "range(start, stop, batch_size) slices"
        return BatchSizeSource(kind=self.kind, name=name, value=self.batch_size)


@record
class DataParallelSite:
    """Where training is made data-parallel (`DistributedDataParallel(model)`, `fully_shard(model)`,
    `hvd.DistributedOptimizer(opt)`, an Accelerator in a script written for several processes): the
    ranks' gradients are reduced before the step."""

    who: str  # "DistributedDataParallel"
    span: Span
    # "average": the mean of the W per-rank gradients (the default everywhere); "sum": their sum
    # (`op=hvd.Sum`); "other": an op we do not know (`hvd.Adasum`, a variable).
    reduction: Literal["average", "sum", "other"] = "average"


@record
class WorldScaledName:
    """A name assigned a value divided or multiplied by the world size, wherever in the module
    (`args.batch_size = int(args.batch_size / ngpus_per_node)`, `lr *= hvd.size()`): what reads it
    afterwards follows W even when its own expression does not say so."""

    name: str  # as written: "args.batch_size", "lr"
    scaling: Literal["div", "mul"]
    span: Span  # the assignment's target


@record
class BatchSizeSource:
    """Where the batch size is configured, with its value when statically known."""

    kind: Literal["argparse", "constant", "config", "dataloader", "slices"]
    name: str  # "--batch-size", "BATCH_SIZE", "config['batch_size']"
    value: Value


@record
class IgnoredTargetClue:
    """Something in a module's text that shows targets take a loss's default ignore index: its
    literal (`-100`) or a name that holds it or pads labels with it (`IGNORE_INDEX`,
    `DataCollatorForSeq2Seq`; catalog: IgnoredTargetNames)."""

    kind: Literal["ignore_value", "name"]
    source: str
    span: Span


@record
class RemovedUse:
    """A use of a framework class that its version the script imports no longer has: a constructor
    keyword (`Trainer(auto_lr_find=True)`) or an instance's member (`trainer.tune(model)`); catalog:
    RemovedUses. The call fails there instead of doing what the script expects."""

    kind: Literal["keyword", "member"]
    name: str  # the keyword or member as written: "auto_lr_find", "tune"
    owner: str  # the class's qualified name as the script reaches it: "lightning.pytorch.Trainer"
    framework: str  # the version that removed it: "Lightning 2.0"
    replacement: str  # what to use instead
    what_it_did: str  # what it did before the removal
    span: Span  # the keyword argument, or the call of the member
