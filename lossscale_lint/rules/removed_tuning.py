"""LSL403: Lightning 1.x tuning flags or `trainer.tune()` on a Lightning 2 Trainer.

Lightning 2.0 removed `Trainer(auto_scale_batch_size=..., auto_lr_find=...)`, `trainer.tune()` and
`trainer.tuner` (the catalog's RemovedUses, read as `ModuleFacts.removed_uses`): the Trainer raises
TypeError on the keywords and the instance has no `tune`. The batch size and learning rate the
script was meant to search for are never searched for; training, if it gets past the error after
the flags are deleted, runs with the hand-set ones.
"""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Severity
from lossscale_lint.rules.base import Rule, RuleContext

_FAILURE = {"keyword": "TypeError (unexpected keyword argument)", "member": "AttributeError"}


def check_removed_tuning(ctx: RuleContext) -> Iterator[Diagnostic]:
    for use in ctx.facts.removed_uses:
        written = f"`{use.name}=`" if use.kind == "keyword" else f"`.{use.name}`"
        yield REMOVED_TUNING_FLAGS.diagnostic(
            ctx,
            use.span,
            f"{written} was removed from the Trainer in {use.framework}, and this Trainer is {use.owner}, the "
            f"2.x package: the script stops with {_FAILURE[use.kind]}, and with the call deleted nothing "
            f"tunes the batch size or the learning rate (in 1.x it {use.what_it_did}): they are the hand-set ones",
            factor="batch size and lr: the values written in the script, not the tuned ones",
            suggestion=f"use {use.replacement} before trainer.fit (or the BatchSizeFinder / "
                       "LearningRateFinder callbacks)",
        )


REMOVED_TUNING_FLAGS = Rule(
    "LSL403", "removed-lightning-tuning-flags", Severity.ERROR,
    "Lightning 1.x tuning flags (auto_scale_batch_size=, auto_lr_find=) or trainer.tune() on a Lightning 2 Trainer.",
    check_removed_tuning, reads=("removed_uses",),
    finds="`L.Trainer(auto_lr_find=True)`, `trainer.tune(model)` with `import lightning`: removed in 2.0 "
          "(TypeError / AttributeError), the batch size and lr are never tuned",
)

RULES = (REMOVED_TUNING_FLAGS,)
