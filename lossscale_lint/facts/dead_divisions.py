"""Divisions of a loss that never reach backward.

`scaled = loss / K` followed by `loss.backward()`, `print(loss.item() / K)`, or
`for l in (a, b): l = l / K` (which rebinds the loop variable and leaves `a` and `b` as they were)
all divide *something made from* the loss, and `if step % 100 == 0: loss = loss / K` divides it on
one step in a hundred only, but the value handed to backward is still undivided.
They are recorded on the update site, separately from the flow: the flow describes only what reaches
backward, while a dead division is what the author meant to do, which a rule can name in its message.

Precision first: a division counts only when its dividend is followed back, by the flow tracer, to
the very loss site that reaches backward, and only when it is not one of the ops of that flow.
"""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from lossscale_lint.diagnostics import Span
from lossscale_lint.facts.walk import Walker

from lossscale_lint.facts.flow_nodes import Plus, Scaled, Term
from lossscale_lint.facts.index import CallSite
from lossscale_lint.facts.model import LossFlow, ScaleOp, ScaleRole, Value
from lossscale_lint.facts.resolve import MAX_DEPTH, Where
from lossscale_lint.facts.views import same_quantity


def _chain(expr: cst.BaseExpression):
    """The expression and the receivers of the method calls it is made of, outermost first:
    `loss.detach().item()`, `loss.detach()`, `loss`."""
    for _ in range(MAX_DEPTH):
        yield expr
        if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)):
            return
        expr = expr.func.value


def _divisions_in(expr: cst.BaseExpression):
    """Divisions written directly in a call argument: `f(x / K)`, `log({"loss": x / K})`."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
        yield expr
    elif isinstance(expr, cst.Dict):
        for element in expr.elements:
            if isinstance(element, cst.DictElement):
                yield from _divisions_in(element.value)


def _contains(outer: Span, inner: Span) -> bool:
    return ((outer.line, outer.column) <= (inner.line, inner.column)
            and (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column))


class _PeriodicBranches(Walker):
    """The bodies of `if step % N == 0:` statements: code there runs on some iterations only."""

    def __init__(self, index) -> None:
        super().__init__()
        self.index = index
        self.spans: list[Span] = []

    def visit_If(self, node: cst.If) -> None:
        # Only a branch with no `else`: with one, the other branch may divide as well (and an
        # `else` of `step % 100 == 0` runs on most steps).
        if node.orelse is None and _has_modulo(node.test):
            self.spans.append(self.index.span(node.body))


class _Modulo(Walker):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        self.found = self.found or isinstance(node.operator, cst.Modulo)


def _has_modulo(test: cst.BaseExpression) -> bool:
    finder = _Modulo()
    finder.walk(test)
    return finder.found


class DeadDivisionFinder:
    """Finds, in the function of a backward call, the divisions by K of its loss that do not reach it."""

    def __init__(self, extractor) -> None:
        self.index = extractor.index
        self.resolver = extractor.resolver
        self.tracer = extractor.tracer
        self._branches: list[Span] | None = None  # periodic branches, found on first need

    def periodic(self, backward: CallSite, flow: LossFlow | None,
                 steps: Value | None) -> tuple[LossFlow | None, tuple[ScaleOp, ...]]:
        """The flow without its divisions by K that sit in a periodic branch (`if step % 100 == 0:`)
        the backward call is not in, and those divisions: they reach backward on some steps only."""
        if flow is None or steps is None:
            return flow, ()
        ops = [op for term in (*flow.data_terms, *flow.other_terms, *flow.penalties) for op in term.ops]
        if not any(self._by_steps(op, steps) for op in ops):
            return flow, ()
        if self._branches is None:
            walker = _PeriodicBranches(self.index)
            walker.walk(self.index.module)
            self._branches = walker.spans
        here = self.index.span(backward.node)
        periodic = {op.span for op in ops if self._by_steps(op, steps) and any(
            _contains(branch, op.span) and not _contains(branch, here) for branch in self._branches)}
        if not periodic:
            return flow, ()

        def kept(term):
            return replace(term, ops=tuple(op for op in term.ops if op.span not in periodic))

        dead = {op.span: op for op in ops if op.span in periodic}
        trimmed = replace(flow, data_terms=tuple(map(kept, flow.data_terms)),
                          other_terms=tuple(map(kept, flow.other_terms)), penalties=tuple(map(kept, flow.penalties)))
        return trimmed, tuple(dead.values())

    @staticmethod
    def _by_steps(op: ScaleOp, steps: Value) -> bool:
        return op.op == "div" and (op.role is ScaleRole.ACCUMULATION or same_quantity(op.factor, steps))

    def find(self, backward: CallSite, flow: LossFlow | None, steps: Value | None) -> tuple[ScaleOp, ...]:
        if flow is None or steps is None or not flow.data_terms:
            return ()
        losses = [term.loss for term in flow.data_terms]
        reaching = {op.span for term in (*flow.data_terms, *flow.other_terms, *flow.penalties) for op in term.ops}
        dead = []
        for division, dividends, scope, position in self._candidates(backward.scope):
            if isinstance(division, cst.AugAssign):  # spanned as the flow spans it: by its target
                op = self.tracer.division(Where(division.value, scope, position), division.target)
            else:
                op = self.tracer.division(Where(division.right, scope, position), division)
            if op.span in reaching or not self._by_steps(op, steps):
                continue
            if any(self._made_from(Where(d, scope, position), losses) for d in dividends):
                dead.append(op)
        return tuple(sorted(dead, key=lambda op: (op.span.line, op.span.column)))

    def _candidates(self, scope: int):
        """(division, the expressions it divides, scope, position) for each division in the scope
        that is assigned to a name or passed to a call."""
        for (binding_scope, _), bindings in self.index.bindings.items():
            if binding_scope != scope:
                continue
            for binding in bindings:
                value = binding.value
                # `scaled = loss / K`, and `running += loss.item() / K` (the value of an augmented one)
                if (binding.kind in ("assign", "aug") and isinstance(value, cst.BinaryOperation)
                        and isinstance(value.operator, cst.Divide)):
                    yield value, self._dividends(value.left, scope, binding.position), scope, binding.position
        for statement in self.index.augmented:  # `l /= K`
            node = statement.node
            if statement.scope == scope and isinstance(node.operator, cst.DivideAssign):
                yield node, self._dividends(node.target, scope, statement.position), scope, statement.position
        for call in self.index.calls:
            if call.scope != scope:
                continue
            for argument in call.node.args:
                for division in _divisions_in(argument.value):
                    yield division, (division.left,), scope, call.position

    def _dividends(self, left: cst.BaseExpression, scope: int, position) -> tuple[cst.BaseExpression, ...]:
        """The values a division divides; for a loop variable (`for l in (a, b): l = l / K`), the
        elements of the literal sequence it runs over."""
        if isinstance(left, cst.Name):
            binding = self.resolver.lookup(left, scope, position)
            if binding is not None and binding.kind == "loop":
                sequence = binding.value
                if isinstance(sequence, cst.Name):
                    origin = self.resolver.lookup(sequence, scope, binding.position)
                    sequence = origin.value if origin is not None and origin.kind == "assign" else None
                if isinstance(sequence, (cst.List, cst.Tuple)):
                    return tuple(e.value for e in sequence.elements if isinstance(e, cst.Element))
                return ()
        return (left,)

    def _made_from(self, where: Where, losses) -> bool:
        """Whether the expression, or the receiver of a method called on it (`loss.item()`), is
        made from one of these losses."""
        for expr in _chain(where.expr):
            found = _terms(self.tracer.trace(Where(expr, where.scope, where.position), 0))
            if found:
                return any(term.loss in losses for term in found)
        return False


def _terms(node) -> list[Term]:
    """The data terms in a traced tree, whatever scales them."""
    if isinstance(node, Scaled):
        return _terms(node.inner)
    if isinstance(node, Plus):
        return [term for item in node.items for term in _terms(item)]
    return [node] if isinstance(node, Term) else []
