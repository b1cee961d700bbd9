"""The record types every framework module of the catalog fills in.

A record says what a framework does, in data: the extractor, resolver, flow algebra and rules read
these records and never name a framework, a class or a method themselves.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OptimizerInfo:
    family: str  # "sgd": the step is proportional to the gradient; "adaptive": normalised
    decoupled_by_default: bool = False  # AdamW-style decay lr * wd * w
    has_decoupled_flag: bool = False  # accepts decoupled_weight_decay=True
    lr_position: int = 1  # positional index of lr (params is 0)
    default_weight_decay: float = 0.0




# -- update sites: where gradients are made and become a parameter update -------------------------

@dataclass(frozen=True)
class BackwardCall:
    """A call that backpropagates a loss, and what it does to that loss on the way.

    The extractor tries the records in catalog order and takes the first that matches the call's
    method name, its shape and (when given) what its receiver was built by.
    """

    kind: str  # the update site's kind: "tensor", "amp_scaler", "accelerate", ...
    method: str  # "backward", "manual_backward"
    # Where the loss is: "receiver" (`loss.backward()`), "scaled_receiver" (`scaler.scale(loss)
    # .backward()`, the scaling call named by `scale_method`) or "argument" (`accelerator.backward(loss)`).
    loss_at: str
    scale_method: str | None = None
    # fnmatch patterns for the qualified name of the call that made the receiver (`accelerator =
    # Accelerator(...)`); empty: any receiver.
    receiver_made_by: tuple[str, ...] = ()
    # Whether the call divides the loss by the accumulation steps K itself: "never", "always" (the
    # engine reads K from its own configuration), "when_configured" (the receiver was built with
    # K), "unknown" (a backward we know nothing about).
    divides_by_accumulation: str = "never"
    # How a fix may divide the loss by K: "wrap" rewrites `loss` as `(loss / K)` (a receiver),
    # "plain" as `loss / K` (an argument); None: no fix.
    loss_edit: str | None = None


@dataclass(frozen=True)
class AutomaticUpdate:
    """A framework that calls backward and step itself on what a method returns (Lightning)."""

    kind: str
    base_class_suffixes: tuple[str, ...]  # the class must derive from one of these (qualified)
    step_method: str  # returns the loss: "training_step"
    loss_key: str  # the loss's key when the method returns a dict
    optimizers_method: str  # returns the optimizer: "configure_optimizers"
    trainer_suffixes: tuple[str, ...]  # the object that configures accumulation
    accumulation_keyword: str  # "accumulate_grad_batches"
    # Spellings inside the module that read the framework's own K (`self.trainer.accumulate_grad_batches`).
    steps_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FrameworkDivisionWords:
    """How a diagnostic names a framework that divides by K, and where K is configured."""

    framework: str
    who: str  # "`accelerator.backward`"
    configured_here: str  # "Accelerator with gradient accumulation created here"
    steps_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class GradientScaleCall:
    """An in-place scaling of gradients: `p.grad.div_(K)` (a method on a gradient) or
    `torch._foreach_div_(grads, K)` (a function over a list of gradients)."""

    op: str  # "div" / "mul"
    method: str | None = None  # a method called on a gradient tensor
    function: str | None = None  # a qualified function taking (gradients, factor)


@dataclass(frozen=True)
class ManualUpdateCall:
    """`p.add_(p.grad, alpha=-lr)`: an in-place method that adds the gradient times `alpha`."""

    method: str  # "add_"
    scale_keyword: str  # "alpha": holds -lr
