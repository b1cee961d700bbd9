"""The nodes of the flow algebra (see facts/flow.py): what a traced expression turned out to be."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from lossscale_lint.diagnostics import Span
from lossscale_lint.facts.model import LossSite, Reduction, ScaleOp


@dataclass
class Term:
    loss: LossSite
    reduction: Reduction
    sum_span: object = None
    invocation_scope: str = ""
    tensor_args: tuple[str, ...] = ()
    entry_span: Span | None = None  # see DataTerm.entry_span
    batch_length: str | None = None  # see DataTerm.batch_length
    elements_per_example: int | None = None  # see DataTerm.elements_per_example
    mean_span: Span | None = None  # see DataTerm.mean_span
    batch_values: bool = False  # see DataTerm.batch_values


@dataclass
class Penalty:
    expr: cst.BaseExpression
    index: object = None  # the CodeIndex of another module the expression is in; None: the tracer's


@dataclass
class Scaled:
    inner: object
    op: ScaleOp


@dataclass
class Plus:
    items: list = field(default_factory=list)


@dataclass
class Opaque:
    expr: cst.BaseExpression
    elementwise: bool = False
    produced: bool = False  # made by a call we cannot look into (a model returning its loss)
    index: object = None  # as for Penalty
    reduced: Reduction | None = None  # see OtherTerm.reduction
