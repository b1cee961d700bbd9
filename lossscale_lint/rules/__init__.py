"""The rule registry: every rule, keyed by code, in code order (LSL000, the parse failure the
engine reports, included)."""

from __future__ import annotations

from lossscale_lint.rules.base import Rule, RuleContext
from lossscale_lint.rules import (
    accumulation,
    accumulation_clipping,
    accumulation_windows,
    amp_clipping,
    batch_penalties,
    change_aware,
    coupled_decay,
    data_parallel,
    deepspeed_accumulation,
    kl_divergence,
    legacy,
    limits,
    loss_weights,
    reduction,
    removed_tuning,
    suppression,
    syntax,
    token_losses,
)

_MODULES = (syntax, limits, reduction, loss_weights, batch_penalties, kl_divergence, token_losses, accumulation,
            accumulation_clipping, accumulation_windows, deepspeed_accumulation, data_parallel, legacy, amp_clipping,
            removed_tuning, coupled_decay,
            change_aware, suppression)

ALL_RULES: dict[str, Rule] = {
    rule.code: rule for module in _MODULES for rule in module.RULES
}
ALL_RULES = dict(sorted(ALL_RULES.items()))

__all__ = ["ALL_RULES", "Rule", "RuleContext"]
