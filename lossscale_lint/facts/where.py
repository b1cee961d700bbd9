"""An expression with the scope, position and module it is read in: what the resolver, the flow
tracer and the extractor pass around."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import libcst as cst

from lossscale_lint.facts.index import CodeIndex

MAX_DEPTH = 12


@dataclass(frozen=True)
class Where:
    """An expression together with the scope and position it is read at."""

    expr: cst.BaseExpression
    scope: int
    position: tuple[int, int]
    # The module the expression is read in, when it is another module of the project than the
    # one of the resolver handling it (`facts.project`); None: the resolver's own module.
    module: CodeIndex | None = field(default=None, compare=False, repr=False)


def arrived(where: Where | None, index: CodeIndex) -> Where | None:
    """`where`, found by the resolver of `index`, marked as read in that module."""
    return where if where is None or where.module is not None else replace(where, module=index)
