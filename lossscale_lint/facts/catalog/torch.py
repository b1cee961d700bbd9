"""PyTorch: losses, optimizers, clipping, data loading and the names that hold B, K and W.

Facts come from the torch 2.13.0 signatures summarised in ml-scaling-semantics.md section 2.
"""

from __future__ import annotations

from lossscale_lint.facts.catalog.records import OptimizerInfo

# Loss modules in torch.nn that take `reduction=` (all default to "mean"), and which of them still
# accept the deprecated `size_average=` / `reduce=` arguments.
LOSS_MODULES: dict[str, bool] = {
    "L1Loss": True, "MSELoss": True, "SmoothL1Loss": True, "HuberLoss": False,
    "BCELoss": True, "BCEWithLogitsLoss": True, "CrossEntropyLoss": True, "NLLLoss": True,
    "NLLLoss2d": True, "KLDivLoss": True, "PoissonNLLLoss": True, "GaussianNLLLoss": False,
    "CTCLoss": False, "MarginRankingLoss": True, "HingeEmbeddingLoss": True,
    "CosineEmbeddingLoss": True, "SoftMarginLoss": True, "MultiLabelSoftMarginLoss": True,
    "MultiLabelMarginLoss": True, "MultiMarginLoss": True, "TripletMarginLoss": True,
    "TripletMarginWithDistanceLoss": False,
}

# Functional losses in torch.nn.functional with the same semantics.
LOSS_FUNCTIONS: dict[str, bool] = {
    "l1_loss": True, "mse_loss": True, "smooth_l1_loss": True, "huber_loss": False,
    "binary_cross_entropy": True, "binary_cross_entropy_with_logits": True,
    "cross_entropy": True, "nll_loss": True, "kl_div": True, "poisson_nll_loss": True,
    "gaussian_nll_loss": False, "ctc_loss": False, "margin_ranking_loss": True,
    "hinge_embedding_loss": True, "cosine_embedding_loss": True, "soft_margin_loss": True,
    "multilabel_soft_margin_loss": True, "multilabel_margin_loss": True,
    "multi_margin_loss": True, "triplet_margin_loss": True,
    "triplet_margin_with_distance_loss": False,
}


# torch.optim classes. RAdam is left out of "sgd" on purpose: only its first steps are
# un-rectified (proportional to the gradient), which is too subtle for an error.
TORCH_OPTIMIZERS: dict[str, OptimizerInfo] = {
    "SGD": OptimizerInfo("sgd"),
    "ASGD": OptimizerInfo("sgd"),
    "Adam": OptimizerInfo("adaptive", has_decoupled_flag=True),
    "AdamW": OptimizerInfo("adaptive", decoupled_by_default=True, default_weight_decay=1e-2),
    "NAdam": OptimizerInfo("adaptive", has_decoupled_flag=True),
    "RAdam": OptimizerInfo("unknown", has_decoupled_flag=True),
    "Adamax": OptimizerInfo("adaptive"),
    "RMSprop": OptimizerInfo("adaptive"),
    "Adagrad": OptimizerInfo("adaptive"),
    "Adadelta": OptimizerInfo("adaptive"),
    "Rprop": OptimizerInfo("adaptive"),
    "SparseAdam": OptimizerInfo("adaptive"),
    "Adafactor": OptimizerInfo("adaptive", decoupled_by_default=True),
    "Muon": OptimizerInfo("adaptive", decoupled_by_default=True, default_weight_decay=0.1),
    "LBFGS": OptimizerInfo("unknown"),
}

ADAPTIVE_NAMES = frozenset(n for n, i in TORCH_OPTIMIZERS.items() if i.family == "adaptive")

# Identifiers that name the configured batch size or the accumulation steps. Users extend them with
# `batch-size-names` / `accumulation-names`.
BATCH_SIZE_NAMES = frozenset({
    "batch_size", "batchsize", "bs", "train_batch_size", "per_device_train_batch_size",
    "micro_batch_size", "mini_batch_size", "minibatch_size", "BATCH_SIZE", "BS",
})
ACCUMULATION_NAMES = frozenset({
    "gradient_accumulation_steps", "grad_accum_steps", "accumulation_steps", "accum_steps",
    "grad_accum", "accum_iter", "accumulate_grad_batches", "iters_to_accumulate", "update_freq",
    "accumulate", "grad_accumulation_steps", "n_accum", "accumulation",
})
WORLD_SIZE_NAMES = frozenset({"world_size", "num_processes", "num_replicas", "WORLD_SIZE"})

DATALOADER_NAMES = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})
CLIP_FUNCTIONS = {
    # The spellings without the trailing underscore are deprecated aliases that still clip.
    "torch.nn.utils.clip_grad_norm": "clip_grad_norm_",
    "torch.nn.utils.clip_grad_value": "clip_grad_value_",
    "torch.nn.utils.clip_grad.clip_grad_norm": "clip_grad_norm_",
    "torch.nn.utils.clip_grad_norm_": "clip_grad_norm_",
    "torch.nn.utils.clip_grad_value_": "clip_grad_value_",
    "torch.nn.utils.clip_grad.clip_grad_norm_": "clip_grad_norm_",
    "torch.nn.utils.clip_grad.clip_grad_value_": "clip_grad_value_",
}
LEGACY_TO_REDUCTION = {
    # (size_average, reduce) -> reduction, per torch/nn/_reduction.py::legacy_get_string;
    # None means "not given", which counts as True.
    (True, True): "mean", (False, True): "sum", (True, False): "none", (False, False): "none",
}


def legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    return LEGACY_TO_REDUCTION[(size_average is not False, reduce is not False)]


# -- update sites: backward, step, gradient scaling and manual updates ----------------------------
# (records.py: BackwardCall, GradientScaleCall, ManualUpdateCall)

from lossscale_lint.facts.catalog.records import BackwardCall, GradientScaleCall, ManualUpdateCall  # noqa: E402

BACKWARD_CALLS = (
    # `scaler.scale(loss).backward()`: the scale factor is undone by `scaler.step` / `unscale_`.
    BackwardCall(kind="amp_scaler", method="backward", loss_at="scaled_receiver", scale_method="scale",
                 loss_edit="plain"),
    BackwardCall(kind="tensor", method="backward", loss_at="receiver", loss_edit="wrap"),
    # `something.backward(loss)` made by a library we do not know: it may divide by K or not.
    BackwardCall(kind="other", method="backward", loss_at="argument", divides_by_accumulation="unknown"),
)

# `opt.step()` / `scaler.step(opt)`: the methods that apply an optimizer step.
STEP_METHODS = frozenset({"step"})
# An unresolved step target still counts as an optimizer when its name says so (`self.optim`,
# `opt_g`), unless it also says scheduler.
OPTIMIZER_NAME_WORDS = ("optim",)
OPTIMIZER_NAMES = frozenset({"opt", "opt_g", "opt_d"})
NOT_OPTIMIZER_WORDS = ("sched",)

# Clipping called as a method (`accelerator.clip_grad_norm_`, `fabric.clip_gradients`...): the
# method names, and the receivers whose methods are the functions above (already counted).
CLIP_METHODS = frozenset({"clip_grad_norm_", "clip_grad_value_"})
CLIP_METHOD_RECEIVERS_EXCLUDED = ("torch*",)

# Wrappers a training loop puts around its DataLoader: `enumerate(loader)`, `tqdm(loader)`.
LOADER_WRAPPERS = frozenset({"enumerate", "tqdm", "iter"})

# Gradients: `p.grad`, and `p.grad.data` / `p.data` for the same tensor without autograd.
GRADIENT_ATTRIBUTE = "grad"
DATA_ATTRIBUTE = "data"

GRADIENT_SCALE_CALLS = (
    GradientScaleCall(op="div", method="div_"),
    GradientScaleCall(op="mul", method="mul_"),
    GradientScaleCall(op="div", function="torch._foreach_div_"),
    GradientScaleCall(op="mul", function="torch._foreach_mul_"),
)

# `p.add_(p.grad, alpha=-lr)`: plain SGD written by hand.
MANUAL_UPDATE_CALLS = (ManualUpdateCall(method="add_", scale_keyword="alpha"),)
