"""The LSL202 fix: a statement that only divides by K goes whole, an inline `/ K` goes alone."""

from __future__ import annotations

from lossscale_lint.pipeline.engine import lint_source
from lossscale_lint.fixes.apply import apply_fixes

BEFORE = """\
from accelerate import Accelerator

steps = 4
accelerator = Accelerator(gradient_accumulation_steps=steps)

for x, y in []:
    with accelerator.accumulate(model):
        loss = loss_fn(model(x), y)
        loss = loss / steps  # already done by accelerate
        accelerator.backward(loss)
    other = loss_fn(model(x), y)
    other /= steps
    accelerator.backward(other)
    accelerator.backward(loss_fn(model(x), y) / steps)
    kept = loss_fn(model(x), y); kept = kept / steps
    accelerator.backward(kept)
"""
AFTER = """\
from accelerate import Accelerator

steps = 4
accelerator = Accelerator(gradient_accumulation_steps=steps)

for x, y in []:
    with accelerator.accumulate(model):
        loss = loss_fn(model(x), y)
        accelerator.backward(loss)
    other = loss_fn(model(x), y)
    accelerator.backward(other)
    accelerator.backward(loss_fn(model(x), y))
    kept = loss_fn(model(x), y); kept = kept
    accelerator.backward(kept)
"""


def test_double_division_fixes_remove_statements_or_operators() -> None:
    diagnostics = lint_source(BEFORE, "train.py")
    assert [d.code for d in diagnostics] == ["LSL202"] * 4
    outcome = apply_fixes(BEFORE, diagnostics, unsafe=False, path="train.py")
    assert outcome.new_source == AFTER
    assert not [d for d in outcome.remaining if d.code == "LSL202"]
