"""Edits several rules' fixes share."""

from __future__ import annotations

from typing import Literal

from lossscale_lint.diagnostics import Edit, Fix
from lossscale_lint.facts.model import ScaleOp


def remove_scale_op(op: ScaleOp, applicability: Literal["safe", "unsafe"]) -> Fix | None:
    """`loss = loss / K` alone on its line goes whole; inside a longer expression only `/ K` (or
    `* K`) goes. None when the factor is not the right-hand operand (`K * loss`): the left one is
    then the factor, not what stays."""
    word = "division by" if op.op == "div" else "multiplication by"
    if op.statement_span:
        edit = Edit(span=op.statement_span, content="")
    elif op.operand is not None and op.operand != op.factor.source:
        edit = Edit(span=op.span, content=op.operand)
    else:
        return None
    return Fix(applicability=applicability, description=f"remove the manual {word} {op.factor.source}", edits=(edit,))
