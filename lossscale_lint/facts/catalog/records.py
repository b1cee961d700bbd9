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


