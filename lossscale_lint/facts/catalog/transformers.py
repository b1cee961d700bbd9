"""Hugging Face Transformers (ml-scaling-semantics.md): optimizers it ships, trainer settings."""

from __future__ import annotations

from lossscale_lint.facts.catalog.records import OptimizerInfo

# Optimizers outside torch.optim whose behaviour is documented and stable.
OPTIMIZERS: dict[str, OptimizerInfo] = {
    "transformers.AdamW": OptimizerInfo("adaptive", decoupled_by_default=True),
    "transformers.optimization.AdamW": OptimizerInfo("adaptive", decoupled_by_default=True),
    "transformers.Adafactor": OptimizerInfo("adaptive", decoupled_by_default=True),
    "transformers.optimization.Adafactor": OptimizerInfo("adaptive", decoupled_by_default=True),
}

