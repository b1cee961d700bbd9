"""Hugging Face Transformers (ml-scaling-semantics.md section 5): optimizers it ships, trainer settings."""

from __future__ import annotations

from lossscale_lint.facts.catalog.records import (
    IgnoredTargetNames,
    OptimizerFamily,
    OptimizerKeywords,
    OptimizerRecord,
    Reachable,
    ReturnedLossRecord,
    SettingNames,
)
from lossscale_lint.facts.vocabulary import MeanDivisor, Reduction

_HOMES = ("transformers", "transformers.optimization")
_KEYWORDS = OptimizerKeywords(params="params", lr="lr", weight_decay="weight_decay")

# Optimizers outside torch.optim whose behaviour is documented and stable; both decay decoupled.
OPTIMIZERS: tuple[OptimizerRecord, ...] = tuple(
    OptimizerRecord(Reachable(name, _HOMES), OptimizerFamily.ADAPTIVE, _KEYWORDS, decoupled_by_default=True)
    for name in ("AdamW", "Adafactor")
)

# TrainingArguments.
SETTINGS = SettingNames(
    batch_size=frozenset({"per_device_train_batch_size", "train_batch_size"}),
    accumulation=frozenset({"gradient_accumulation_steps"}),
)

# `model(**batch).loss` of a pretrained model (ml-scaling-semantics.md section 5): the mean over the
# micro-batch's non-ignored label tokens (`labels != -100`), not over its samples. Dividing it by K
# for accumulation is still needed in a hand-written loop; Accelerate's `accumulate()` does it.
RETURNED_LOSSES = (
    ReturnedLossRecord(home="transformers", constructors=("from_pretrained", "from_config"),
                       class_markers=("For",), class_suffixes=("LMHeadModel",), loss_attribute="loss",
                       reduction=Reduction.MEAN, mean_divides_by=MeanDivisor.TOKENS,
                       token_class_markers=("CausalLM", "MaskedLM", "LMHead", "Seq2SeqLM", "TokenClassification",
                                            "ConditionalGeneration", "PreTraining"),
                       window_count_keyword="num_items_in_batch"),
)

# Collators whose `label_pad_token_id` defaults to -100 (language modelling, seq2seq, token
# classification): labels padded with the loss's default ignore index.
IGNORED_TARGET_NAMES = IgnoredTargetNames(parts=("datacollatorfor",))
