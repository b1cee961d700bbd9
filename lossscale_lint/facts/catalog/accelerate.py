"""Hugging Face Accelerate (ml-scaling-semantics.md): the Accelerator and what its backward does."""

from __future__ import annotations

ACCELERATOR_NAMES = frozenset({"accelerate.Accelerator", "accelerate.accelerator.Accelerator"})
