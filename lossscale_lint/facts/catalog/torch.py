"""PyTorch: losses, optimizers, clipping, data loading, tensor methods and the names that hold B, K, W.

Facts come from the torch 2.13.0 signatures summarised in ml-scaling-semantics.md section 2.
"""

from __future__ import annotations

from lossscale_lint.facts.catalog.records import (
    AccumulationDivision,
    BackwardCall,
    ClipFunction,
    DataLoaderRecord,
    DataParallelRecord,
    GatherNames,
    GradientScaleCall,
    IgnoredTargetNames,
    IgnoredTargets,
    LossAt,
    LossKeywords,
    LossKind,
    LossRecord,
    ManualUpdateCall,
    OutputWidthLayers,
    PenaltyNames,
    OptimizerFamily,
    OptimizerKeywords,
    OptimizerRecord,
    Reachable,
    Reductions,
    SameObjectCall,
    ScaleDirection,
    SettingNames,
    TensorMethods,
)
from lossscale_lint.facts.vocabulary import LossEdit, MeanDivisor, Reduction

# --- losses (section 2.1) -------------------------------------------------------------------------

LOSS_KEYWORDS = LossKeywords(reduction="reduction", legacy=("size_average", "reduce"))
_MODULE_HOMES = ("torch.nn", "torch.nn.modules.loss")
_FUNCTIONAL_HOME = ("torch.nn.functional",)
_BATCHMEAN = ((Reduction.BATCHMEAN, MeanDivisor.BATCH),)
_TAKES_BATCHMEAN = ("KLDivLoss", "kl_div")  # reduction="batchmean" divides by B

# (module class, functional name, accepts size_average/reduce, what "mean" divides by); every
# one takes `reduction=` and defaults to "mean".
_LOSS_TABLE: tuple[tuple[str | None, str | None, bool, MeanDivisor], ...] = (
    ("L1Loss", "l1_loss", True, MeanDivisor.ELEMENTS),
    ("MSELoss", "mse_loss", True, MeanDivisor.ELEMENTS),
    ("SmoothL1Loss", "smooth_l1_loss", True, MeanDivisor.ELEMENTS),
    ("HuberLoss", "huber_loss", False, MeanDivisor.ELEMENTS),
    ("BCELoss", "binary_cross_entropy", True, MeanDivisor.ELEMENTS),
    ("BCEWithLogitsLoss", "binary_cross_entropy_with_logits", True, MeanDivisor.ELEMENTS),
    ("CrossEntropyLoss", "cross_entropy", True, MeanDivisor.TARGET_WEIGHTS),
    ("NLLLoss", "nll_loss", True, MeanDivisor.TARGET_WEIGHTS),
    ("NLLLoss2d", None, True, MeanDivisor.TARGET_WEIGHTS),
    ("KLDivLoss", "kl_div", True, MeanDivisor.ELEMENTS),  # "mean" warns; "batchmean" divides by B
    ("PoissonNLLLoss", "poisson_nll_loss", True, MeanDivisor.ELEMENTS),
    ("GaussianNLLLoss", "gaussian_nll_loss", False, MeanDivisor.ELEMENTS),
    ("CTCLoss", "ctc_loss", False, MeanDivisor.LENGTH_NORMALISED_BATCH),
    # Element-wise on their inputs:
    ("MarginRankingLoss", "margin_ranking_loss", True, MeanDivisor.ELEMENTS),
    ("HingeEmbeddingLoss", "hinge_embedding_loss", True, MeanDivisor.ELEMENTS),
    ("SoftMarginLoss", "soft_margin_loss", True, MeanDivisor.ELEMENTS),
    # One value per sample (the class or feature dimension is reduced first):
    ("CosineEmbeddingLoss", "cosine_embedding_loss", True, MeanDivisor.BATCH),
    ("MultiLabelSoftMarginLoss", "multilabel_soft_margin_loss", True, MeanDivisor.BATCH),
    ("MultiLabelMarginLoss", "multilabel_margin_loss", True, MeanDivisor.BATCH),
    ("MultiMarginLoss", "multi_margin_loss", True, MeanDivisor.BATCH),
    ("TripletMarginLoss", "triplet_margin_loss", True, MeanDivisor.BATCH),
    ("TripletMarginWithDistanceLoss", "triplet_margin_with_distance_loss", False, MeanDivisor.BATCH),
)


# CrossEntropyLoss(weight=None, size_average=None, ignore_index=-100, ...) and
# cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, ...) (NLL alike):
# "mean" divides by the summed weights of the targets that are not ignore_index.
def _ignored_targets(module: bool) -> IgnoredTargets:
    return IgnoredTargets(weight_keyword="weight", weight_position=0 if module else 2,
                          ignore_keyword="ignore_index", default_ignore_index=-100)


def _loss(name: str, kind: LossKind, legacy: bool, divisor: MeanDivisor) -> LossRecord:
    module = kind is LossKind.MODULE
    return LossRecord(
        callable=Reachable(name, _MODULE_HOMES if module else _FUNCTIONAL_HOME),
        kind=kind,
        mean_divisor=divisor,
        keywords=LOSS_KEYWORDS,
        accepts_legacy=legacy,
        max_positional=1 if module else 3,  # only `weight` / input, target, weight in practice
        extra_divisors=_BATCHMEAN if name in _TAKES_BATCHMEAN else (),
        ignored_targets=_ignored_targets(module) if divisor is MeanDivisor.TARGET_WEIGHTS else None,
    )


LOSSES: tuple[LossRecord, ...] = tuple(
    _loss(name, kind, legacy, divisor)
    for module_name, function_name, legacy, divisor in _LOSS_TABLE
    for name, kind in ((module_name, LossKind.MODULE), (function_name, LossKind.FUNCTIONAL))
    if name is not None
)

# (size_average, reduce) -> reduction, per torch/nn/_reduction.py::legacy_get_string;
# None means "not given", which counts as True.
LEGACY_TO_REDUCTION: dict[tuple[bool, bool], Reduction] = {
    (True, True): Reduction.MEAN, (False, True): Reduction.SUM,
    (True, False): Reduction.NONE, (False, False): Reduction.NONE,
}


def legacy_reduction(size_average: bool | None, reduce: bool | None) -> Reduction:
    return LEGACY_TO_REDUCTION[(size_average is not False, reduce is not False)]


REDUCTIONS = Reductions(
    methods=(("sum", Reduction.SUM), ("mean", Reduction.MEAN)),
    functions=(("torch.sum", Reduction.SUM), ("torch.mean", Reduction.MEAN)),
    dim_keyword="dim",
    # "elementwise_mean" is still accepted with a deprecation warning (torch/nn/_reduction.py).
    strings=tuple((r.value, r) for r in (Reduction.MEAN, Reduction.SUM, Reduction.NONE, Reduction.BATCHMEAN))
    + (("elementwise_mean", Reduction.MEAN),),
)

# --- optimizers (section 2.3) ---------------------------------------------------------------------

_PLAIN_KEYWORDS = OptimizerKeywords(params="params", lr="lr", weight_decay="weight_decay")
_MOMENTUM_KEYWORDS = OptimizerKeywords(params="params", lr="lr", weight_decay="weight_decay", momentum="momentum")
_FLAG_KEYWORDS = OptimizerKeywords(params="params", lr="lr", weight_decay="weight_decay",
                                   decoupled_flag="decoupled_weight_decay")


def _optimizer(name: str, family: OptimizerFamily, keywords: OptimizerKeywords = _PLAIN_KEYWORDS,
               **facts) -> OptimizerRecord:
    return OptimizerRecord(Reachable(name, ("torch.optim",), submodules=True), family, keywords, **facts)


# RAdam is "unknown" on purpose: only its first steps are un-rectified (proportional to the
# gradient), which is too subtle for an error.
OPTIMIZERS: tuple[OptimizerRecord, ...] = (
    _optimizer("SGD", OptimizerFamily.PLAIN, _MOMENTUM_KEYWORDS),  # heavy-ball with momentum > 0
    _optimizer("ASGD", OptimizerFamily.PLAIN),
    _optimizer("Adam", OptimizerFamily.ADAPTIVE, _FLAG_KEYWORDS, coupled_decay_normalised=True,
               decoupled_counterpart="AdamW"),
    _optimizer("AdamW", OptimizerFamily.ADAPTIVE, decoupled_by_default=True, default_weight_decay=1e-2),
    _optimizer("NAdam", OptimizerFamily.ADAPTIVE, _FLAG_KEYWORDS, coupled_decay_normalised=True),
    # Normalised once its warm-up is over (its first steps are un-rectified, proportional to g).
    _optimizer("RAdam", OptimizerFamily.UNKNOWN, _FLAG_KEYWORDS, coupled_decay_normalised=True),
    _optimizer("Adamax", OptimizerFamily.ADAPTIVE, coupled_decay_normalised=True),
    _optimizer("RMSprop", OptimizerFamily.ADAPTIVE, _MOMENTUM_KEYWORDS, coupled_decay_normalised=True),
    _optimizer("Adagrad", OptimizerFamily.ADAPTIVE, coupled_decay_normalised=True),
    _optimizer("Adadelta", OptimizerFamily.ADAPTIVE, coupled_decay_normalised=True),
    _optimizer("Rprop", OptimizerFamily.ADAPTIVE),
    _optimizer("SparseAdam", OptimizerFamily.ADAPTIVE),
    _optimizer("Adafactor", OptimizerFamily.ADAPTIVE, decoupled_by_default=True),
    _optimizer("Muon", OptimizerFamily.ADAPTIVE, decoupled_by_default=True, default_weight_decay=0.1),
    _optimizer("LBFGS", OptimizerFamily.UNKNOWN),
)

# --- data loading, clipping, calls that return an object they were given (section 2.4) ------------

DATALOADERS = (
    DataLoaderRecord(Reachable("DataLoader", ("torch.utils.data", "torch.utils.data.dataloader")),
                     batch_size_keyword="batch_size", batch_size_position=1, drop_last_keyword="drop_last"),
)
# A loader made out of sight (a parameter, `get_loaders()`) is known by its name: `len(train_loader)`.
LOADER_NAME_WORD = "loader"

_CLIP_HOMES = ("torch.nn.utils", "torch.nn.utils.clip_grad")
# The spellings without the trailing underscore are deprecated aliases that still clip.
CLIPS: tuple[ClipFunction, ...] = (
    ClipFunction(Reachable("clip_grad_norm_", _CLIP_HOMES), "clip_grad_norm_", threshold_keyword="max_norm"),
    ClipFunction(Reachable("clip_grad_norm", _CLIP_HOMES), "clip_grad_norm_", threshold_keyword="max_norm"),
    ClipFunction(Reachable("clip_grad_value_", _CLIP_HOMES), "clip_grad_value_", threshold_keyword="clip_value"),
    ClipFunction(Reachable("clip_grad_value", ("torch.nn.utils",)), "clip_grad_value_", threshold_keyword="clip_value"),
)

SAME_OBJECT_CALLS = (
    SameObjectCall("to", returns_receiver=True),  # model.to(device)
    SameObjectCall("cuda", returns_receiver=True),
)

NO_GRAD_CONTEXTS = ("no_grad", "inference_mode")

# Models: a layer of torch.nn (not a loss), or a subclass of torch.nn.Module whose forward takes one
# input, returns one output per sample; `model(x).sum()` sums over the batch.
MODEL_HOME = "torch.nn"
MODEL_BASE = "torch.nn.Module"
MODEL_FORWARD = "forward"
# Wrappers return whatever the wrapped model returns (often its loss, one per device): not outputs.
MODEL_WRAPPERS = frozenset({"torch.nn.DataParallel", "torch.nn.parallel.DistributedDataParallel"})
# `torch.stack(losses).sum()`: the terms of a list, as one tensor.
TERM_STACKER = "torch.stack"  # torch.no_grad(), torch.inference_mode()

TENSOR_METHODS = TensorMethods(
    transparent=frozenset({"float", "double", "half", "bfloat16", "to", "cuda", "cpu", "squeeze",
                           "clone", "contiguous"}),
    elementwise=frozenset({"pow", "abs", "log", "square", "exp", "log_softmax", "sqrt"}),
    counts=frozenset({"size", "numel", "nelement", "count_nonzero", "sum"}),  # mask.sum() counts
    count_conversions=frozenset({"float", "item", "int"}),
    size_method="size",
    shape_attribute="shape",
    parameter_iterators=frozenset({"parameters", "named_parameters"}),
    gradient_attribute="grad",
    data_attribute="data",
    loss_scale_method="scale",  # torch.amp.GradScaler.scale(loss)
    mask_counts=frozenset({"sum", "count_nonzero"}),  # (y != pad).sum(): the valid elements
)

# --- data parallelism (section 2.4): DDP and FSDP average the ranks' gradients -------------------

DATA_PARALLEL = (
    DataParallelRecord(Reachable("DistributedDataParallel", ("torch.nn.parallel", "torch.nn.parallel.distributed")),
                       who="DistributedDataParallel"),
    DataParallelRecord(Reachable("FullyShardedDataParallel", ("torch.distributed.fsdp",), submodules=True),
                       who="FullyShardedDataParallel"),
    # FSDP2 (`fully_shard(model)`) averages too unless its divide factor is changed.
    DataParallelRecord(Reachable("fully_shard", ("torch.distributed.fsdp", "torch.distributed._composable.fsdp"),
                                 submodules=True), who="fully_shard (FSDP2)"),
)
GATHERS = GatherNames(functions=(
    Reachable("all_gather", ("torch.distributed", "torch.distributed.nn", "torch.distributed.nn.functional")),
    Reachable("all_gather_into_tensor", ("torch.distributed",)),
))

# --- the names that hold B, K and W ----------------------------------------------------------------

# Users extend batch size and accumulation names with `batch-size-names` / `accumulation-names`.
SETTINGS = SettingNames(
    batch_size=frozenset({"batch_size", "batchsize", "bs", "micro_batch_size", "mini_batch_size",
                          "minibatch_size", "BATCH_SIZE", "BS"}),
    accumulation=frozenset({"grad_accum_steps", "accumulation_steps", "accum_steps", "grad_accum",
                            "accum_iter", "iters_to_accumulate", "update_freq", "accumulate",
                            "grad_accumulation_steps", "n_accum", "accumulation"}),
    learning_rate=frozenset({"lr", "learning_rate", "base_lr", "LR", "LEARNING_RATE"}),
    world_size=frozenset({"world_size", "num_replicas", "WORLD_SIZE", "ngpus_per_node", "num_gpus", "n_gpu", "n_gpus",
                          "nprocs"}),
    world_size_functions=(Reachable("get_world_size", ("torch.distributed",)),),
)

# -- update sites: backward, step, gradient scaling and manual updates ----------------------------
# (records.py: BackwardCall, GradientScaleCall, ManualUpdateCall)

BACKWARD_CALLS = (
    # `scaler.scale(loss).backward()`: the scale factor is undone by `scaler.step` / `unscale_`.
    BackwardCall(kind="amp_scaler", method="backward", loss_at=LossAt.SCALED_RECEIVER,
                 scale_method=TENSOR_METHODS.loss_scale_method,
                 loss_edit=LossEdit.PLAIN),
    BackwardCall(kind="tensor", method="backward", loss_at=LossAt.RECEIVER, loss_edit=LossEdit.WRAP),
    # `something.backward(loss)` made by a library we do not know: it may divide by K or not.
    BackwardCall(kind="other", method="backward", loss_at=LossAt.ARGUMENT, divides_by_accumulation=AccumulationDivision.UNKNOWN),
)

# `scaler.unscale_(optimizer)`: divides the scaled gradients back before they are inspected.
AMP_UNSCALE_METHOD = "unscale_"

# `opt.step()` / `scaler.step(opt)`: the methods that apply an optimizer step.
STEP_METHODS = frozenset({"step"})
# `optimizer.zero_grad()`, `model.zero_grad(set_to_none=True)`: what empties the accumulated gradients.
ZERO_GRAD_METHODS = frozenset({"zero_grad"})
# An unresolved step target still counts as an optimizer when its name says so (`self.optim`,
# `opt_g`), unless it also says scheduler.
OPTIMIZER_NAME_WORDS = ("optim",)
OPTIMIZER_NAMES = frozenset({"opt", "opt_g", "opt_d"})
NOT_OPTIMIZER_WORDS = ("sched",)

# Clipping called as a method (`accelerator.clip_grad_norm_`, `fabric.clip_gradients`...): the
# method names, and the receivers whose methods are the functions above (already counted).
CLIP_METHODS = frozenset({"clip_grad_norm_", "clip_grad_value_"})
CLIP_METHOD_RECEIVERS_EXCLUDED = ("torch*",)


GRADIENT_SCALE_CALLS = (
    GradientScaleCall(op=ScaleDirection.DIV, method="div_"),
    GradientScaleCall(op=ScaleDirection.MUL, method="mul_"),
    GradientScaleCall(op=ScaleDirection.DIV, function="torch._foreach_div_"),
    GradientScaleCall(op=ScaleDirection.MUL, function="torch._foreach_mul_"),
)

# `p.add_(p.grad, alpha=-lr)`, `p.data.add_(-lr, p.grad)`, `p.sub_(lr * p.grad)`: plain SGD by hand.
MANUAL_UPDATE_CALLS = (
    ManualUpdateCall(method="add_", scale_keyword="alpha", adds=True, legacy_scale_first=True),
    ManualUpdateCall(method="sub_", scale_keyword="alpha", adds=False, legacy_scale_first=True),
)

# Parameter penalties computed in a helper or a Bayesian layer (ml-scaling-semantics.md section 3:
# a penalty of the weights does not grow with B, so beside a summed loss it weighs lambda/B).
PENALTIES = PenaltyNames(
    words=frozenset({"kl", "l1", "l2", "penalty", "regularization", "regularizer", "regulariser"}),
    module_iterators=frozenset({"modules", "children", "named_modules", "named_children"}),
)

# D, the values per example an element-wise mean also divides by (ml-scaling-semantics.md 2.1).
OUTPUT_WIDTH = OutputWidthLayers(
    layer=Reachable("Linear", ("torch.nn", "torch.nn.modules.linear")),
    out_keyword="out_features",
    out_position=1,
    container=Reachable("Sequential", ("torch.nn", "torch.nn.modules.container")),
    width_keeping=frozenset({"ReLU", "Sigmoid", "Tanh", "Identity", "Softplus", "GELU", "SiLU", "LeakyReLU",
                             "ELU", "Dropout", "Hardtanh"}),
)

# Names that show a script sets targets to -100 (see IgnoredTargetNames).
IGNORED_TARGET_NAMES = IgnoredTargetNames(parts=("ignore_index", "ignore_id", "ignore_label", "ignore_token"))
