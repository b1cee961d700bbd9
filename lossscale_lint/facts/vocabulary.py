"""The facts' vocabulary: how a loss reduces, what its "mean" divides by, how a fix edits a loss.

Re-exported by `facts.model`; kept apart only because the catalog, which the text pre-check imports
on every run, needs these enums but not the models (building them costs ~10 ms of start-up).
"""

from __future__ import annotations

from enum import StrEnum


class Reduction(StrEnum):
    """The one reduction vocabulary: what a loss call applies, and how a data term scales with B.

    On a loss call: the reduction it applies. On a data term as it reaches backward (`facts.views`):
    SUM grows with the batch size B, MEAN does not (a sum divided by the configured B counts as
    MEAN), UNKNOWN means we cannot tell and nobody reports anything. The scaling math
    (`facts.scaling`) takes SUM or MEAN. A StrEnum, so that it prints and serialises as its value.
    """

    MEAN = "mean"
    SUM = "sum"
    NONE = "none"
    BATCHMEAN = "batchmean"
    UNKNOWN = "unknown"


class MeanDivisor(StrEnum):
    """What a loss's "mean" divides the summed loss by (ml-scaling-semantics.md section 2.1)."""

    BATCH = "batch"  # the number of samples B (triplet losses, KLDiv "batchmean")
    # CrossEntropy/NLL: the summed weights of the non-ignored targets, which is B without class
    # weights or ignored targets.
    TARGET_WEIGHTS = "target_weights"
    # CTC: each sample's loss divided by its target length, then the mean over the batch: not sum / B.
    LENGTH_NORMALISED_BATCH = "length_normalised_batch"
    ELEMENTS = "elements"  # every element, B*D (MSE, L1, BCE, SmoothL1, Huber, KLDiv "mean", ...)
    # A library model's own loss over the non-ignored label tokens of the micro-batch (Hugging Face
    # causal and masked LMs): neither B nor constant across micro-batches.
    TOKENS = "tokens"
    UNKNOWN = "unknown"

    @property
    def per_sample(self) -> bool:
        """Whether sum -> mean divides the gradient by (as good as) exactly the batch size B."""
        return self in (MeanDivisor.BATCH, MeanDivisor.TARGET_WEIGHTS)


class LossEdit(StrEnum):
    """How a fix may divide the loss a backward call receives by K."""

    WRAP = "wrap"  # a receiver: `loss.backward()` becomes `(loss / K).backward()`
    PLAIN = "plain"  # an argument: `backward(loss)` becomes `backward(loss / K)`
