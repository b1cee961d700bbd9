"""Clues that a module pads or ignores targets, gathered during the index walk (`facts/index.py`).

A loss with a default ignore index (CrossEntropy's -100) only skips targets a script pads with
that value; whether it does is not visible at the loss call. What the text shows instead: the
literal -100, names like `pad_token_id`, `padding_idx`, `ignore_index`, `pad_sequence`, or a
`labels != pad` mask. The words are catalog data (`PaddingWords`).
"""

from __future__ import annotations

import libcst as cst

from lossscale_lint.facts import catalog

WORDS = catalog.PADDING_WORDS


def _is_padding_name(name: str, strict: bool) -> bool:
    lowered = name.lower()
    if any(word in lowered for word in WORDS.ignore):
        return True
    parts = set(lowered.split("_"))
    if not parts & WORDS.pad:
        return False
    return not strict or bool(parts & WORDS.pad_companions)


class PaddingCollector:
    """Filled by the index walk: `clues` holds (kind, node, subject) in source order."""

    def __init__(self) -> None:
        self.clues: list[tuple[str, cst.CSTNode, str | None]] = []
        # Names that only count with a companion word: keywords (`padding=1` of a convolution),
        # called functions and imports (`F.pad`, `from torch.nn.functional import pad`).
        self._strict: set[int] = set()

    def strict(self, node: cst.CSTNode | None) -> None:
        if isinstance(node, cst.Attribute):
            node = node.attr
        if isinstance(node, cst.Name):
            self._strict.add(id(node))

    def name(self, node: cst.Name) -> None:
        if _is_padding_name(node.value, id(node) in self._strict):
            self.clues.append(("name", node, None))

    def unary(self, node: cst.UnaryOperation) -> None:
        operand = node.expression
        if (isinstance(node.operator, cst.Minus) and isinstance(operand, cst.Integer)
                and -int(operand.value) in catalog.DEFAULT_IGNORE_INDICES):
            self.clues.append(("ignore_value", node, None))

    def comparison(self, node: cst.Comparison, subject: str | None) -> None:
        """`subject != ...`: `subject` is the left side's dotted name (None: not a name)."""
        if subject is not None and any(isinstance(target.operator, cst.NotEqual) for target in node.comparisons):
            self.clues.append(("comparison", node, subject))
