"""Clues that a module gives targets the default ignore index, gathered during the index walk
(`facts/index.py`).

A loss with a default ignore index (CrossEntropy's -100) only skips the targets a script sets to
that value; whether it does is not visible at the loss call. What the text shows instead: the
literal -100 (`labels[labels == pad] = -100`, `padding_value=-100`), a name that holds it
(`IGNORE_INDEX`, `ignore_index`) or a collator that pads labels with it (`DataCollatorForSeq2Seq`).
The names are catalog data (`IgnoredTargetNames`). Padding names alone (`PAD`, `padding_idx`) are
not clues: targets padded with 0 are not ignored by default, and `.mean()` is then the mean.
"""

from __future__ import annotations

import libcst as cst

from lossscale_lint.facts import catalog

NAMES = catalog.IGNORED_TARGET_NAMES


class IgnoredTargetClues:
    """Filled by the index walk: `clues` holds (kind, node) in source order."""

    def __init__(self) -> None:
        self.clues: list[tuple[str, cst.CSTNode]] = []

    def name(self, node: cst.Name) -> None:
        lowered = node.value.lower()
        if any(part in lowered for part in NAMES.parts):
            self.clues.append(("name", node))

    def unary(self, node: cst.UnaryOperation) -> None:
        operand = node.expression
        if (isinstance(node.operator, cst.Minus) and isinstance(operand, cst.Integer)
                and -int(operand.value, 0) in catalog.DEFAULT_IGNORE_INDICES):
            self.clues.append(("ignore_value", node))
