"""Follow the value a backward call receives back to the losses it is made of.

The result is a small algebra: data terms (a loss site with its reduction), penalty terms,
divisions and multiplications applied on the way, and sums of those. Anything else stays opaque,
and an opaque value is never guessed at: rules stay silent on what we cannot follow.
"""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from lossscale_lint.facts import catalog
from lossscale_lint.facts.catalog.records import LossKind
from lossscale_lint.facts.index import dotted_name
from lossscale_lint.facts.model import (
    DataTerm,
    LossFlow,
    LossSite,
    MeanDivisor,
    OtherTerm,
    PenaltyTerm,
    Reduction,
    ScaleOp,
    ScaleRole,
    Value,
)
from lossscale_lint.facts.flow_algebra import AlgebraMixin, weighted_per_sample
from lossscale_lint.facts.flow_roles import RoleMixin
from lossscale_lint.facts.flow_nodes import Opaque, Penalty, Plus, Scaled, Term
from lossscale_lint.facts.penalties import PenaltyFinder
from lossscale_lint.facts.resolve import MAX_DEPTH, Resolver, Where
from lossscale_lint.diagnostics import Span

# The tensor methods the algebra treats alike (transparent, element-wise, counting).
TENSOR = catalog.TENSOR_METHODS

__all__ = ["FlowTracer", "Opaque", "Penalty", "Plus", "Scaled", "Term", "arrived"]


def arrived(node, index, call_span: Span):
    """A tree traced in another module (`index`), as seen from the call that led there: its
    expressions keep their module, and its data terms enter this module at `call_span`."""
    if isinstance(node, Scaled):
        return Scaled(arrived(node.inner, index, call_span), node.op)
    if isinstance(node, Plus):
        return Plus([arrived(item, index, call_span) for item in node.items])
    if isinstance(node, Term):
        return replace(node, entry_span=call_span)
    return node if node.index is not None else replace(node, index=index)


class FlowTracer(RoleMixin, AlgebraMixin):
    def __init__(self, resolver: Resolver, loss_sites: dict[int, LossSite],
                 batch_size_names: frozenset[str], accumulation_names: frozenset[str]) -> None:
        self.resolver = resolver
        self.index = resolver.index
        self.loss_sites = loss_sites
        self.batch_size_names = batch_size_names
        self.accumulation_names = accumulation_names
        self.penalties = PenaltyFinder(resolver)

    # -- public ---------------------------------------------------------------------------------
    def flow(self, where: Where) -> LossFlow | None:
        tree = self.trace(where, 0)
        terms: list[DataTerm] = []
        penalties: list[PenaltyTerm] = []
        others: list[OtherTerm] = []

        def walk(node, ops: tuple[ScaleOp, ...]) -> None:
            if isinstance(node, Scaled):
                walk(node.inner, (node.op, *ops))
            elif isinstance(node, Plus):
                for item in node.items:
                    walk(item, ops)
            elif isinstance(node, Term):
                terms.append(DataTerm(loss=node.loss, reduction=node.reduction, sum_span=node.sum_span, ops=ops,
                                      invocation_scope=node.invocation_scope, tensor_args=node.tensor_args,
                                      entry_span=node.entry_span, batch_length=node.batch_length,
                                      elements_per_example=node.elements_per_example, mean_span=node.mean_span,
                                      batch_values=node.batch_values))
            elif isinstance(node, Penalty):
                index = node.index or self.index
                penalties.append(PenaltyTerm(span=index.span(node.expr), source=index.code(node.expr), ops=ops))
            else:
                index = node.index or self.index
                others.append(OtherTerm(source=index.code(node.expr), span=index.span(node.expr),
                                        ops=ops, produced=node.produced, reduction=node.reduced))

        walk(tree, ())
        if not terms and not any(o.produced for o in others):
            return None
        return LossFlow(data_terms=tuple(terms), penalties=tuple(penalties), other_terms=tuple(others))

    # -- tracing --------------------------------------------------------------------------------
    def trace(self, where: Where, depth: int):
        expr = where.expr
        if depth > MAX_DEPTH:
            return Opaque(expr)
        if isinstance(expr, (cst.Name, cst.Attribute)) and self.resolver.binding_key(expr, where.scope):
            return self._trace_name(where, depth)
        if isinstance(expr, cst.BinaryOperation):
            return self._trace_binary(where, depth)
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            inner = self.trace(Where(expr.expression, where.scope, where.position), depth + 1)
            return inner if not isinstance(inner, Opaque) else Opaque(expr, inner.elementwise)
        if isinstance(expr, cst.Call):
            return self._trace_call(where, depth)
        if isinstance(expr, (cst.Attribute, cst.Subscript)):  # `outputs.loss`, `out["loss"]`
            if (returned := self._returned_loss(where)) is not None:
                return returned
            base = self.trace(Where(expr.value, where.scope, where.position), depth + 1)
            return Opaque(expr, produced=isinstance(base, Opaque) and base.produced)
        return Opaque(expr)

    def _trace_name(self, where: Where, depth: int):
        binding = self.resolver.lookup(where.expr, where.scope, where.position)
        if binding is None or binding.value is None:
            return Opaque(where.expr)
        value = Where(binding.value, binding.scope, binding.position)
        if binding.kind == "assign":
            traced = self.trace(value, depth + 1)
            if (isinstance(traced, Scaled) and isinstance(binding.value, cst.BinaryOperation)
                    and isinstance(binding.value.left, cst.Name) and binding.value.left.value == binding.target):
                traced.op = self._in_place(traced.op, binding)  # `loss = loss / K`
            return traced
        if binding.kind == "aug" and binding.operator in ("/", "*", "+", "-"):
            previous = self.trace(Where(where.expr, binding.scope, binding.position), depth + 1)
            if binding.operator in ("+", "-"):
                added = self._additive(value, depth)
                summed = self._summed_over_items(binding, added, where) if binding.operator == "+" else None
                if summed is not None:
                    return summed if _is_zero(previous) else Plus([previous, summed])
                return Plus([previous, added])
            op = "div" if binding.operator == "/" else "mul"
            return Scaled(previous, self._in_place(self._op(op, value, binding.node), binding))
        if binding.kind == "unpack" and isinstance(binding.value, cst.Call):
            helper = self.resolver.local_function(binding.value.func, binding.scope)
            if helper is not None:
                returns = self.index.scopes[helper].returns
                elements = [r.elements[binding.index].value for r in returns
                            if isinstance(r, cst.Tuple) and len(r.elements) == binding.count]
                if len(elements) == 1:
                    return self.trace(Where(elements[0], helper, self.index.start(elements[0])), depth + 1)
            else:
                return Opaque(where.expr, produced=True)  # `logits, loss = model(x, y)`
        return Opaque(where.expr)

    def _trace_binary(self, where: Where, depth: int):
        expr = where.expr
        left = Where(expr.left, where.scope, where.position)
        right = Where(expr.right, where.scope, where.position)
        operator = expr.operator
        if isinstance(operator, cst.Divide):
            inner = self.trace(left, depth + 1)
            if not _is_loss_like(inner):
                return Opaque(expr, inner.elementwise)
            return Scaled(inner, self._op("div", right, expr))
        if isinstance(operator, cst.Multiply):
            a, b = self.trace(left, depth + 1), self.trace(right, depth + 1)
            if not isinstance(a, Opaque) and isinstance(b, Opaque):
                return Scaled(a, self._op("mul", right, expr))
            if isinstance(a, Opaque) and not isinstance(b, Opaque):
                return Scaled(b, self._op("mul", left, expr))
            if isinstance(a, Opaque) and isinstance(b, Opaque):
                penalty = self._penalty_or_none(where)
                if penalty is not None:
                    return penalty
                if a.produced and not b.produced:  # `outputs.loss * K`
                    return Scaled(a, self._op("mul", right, expr))
                if b.produced and not a.produced:
                    return Scaled(b, self._op("mul", left, expr))
                return Opaque(expr, elementwise=True)
            return Opaque(expr)
        if isinstance(operator, (cst.Add, cst.Subtract)):
            a, b = self._additive(left, depth), self._additive(right, depth)
            if isinstance(a, Opaque) and isinstance(b, Opaque):
                return Opaque(expr, elementwise=True)
            return Plus([a, b])
        if isinstance(operator, cst.Power):
            return Opaque(expr, elementwise=True)
        return Opaque(expr)

    def _additive(self, where: Where, depth: int):
        traced = self.trace(where, depth + 1)
        if isinstance(traced, Opaque):
            return self._penalty_or_none(where) or self._weighted_by_batch(where, depth) or traced
        return traced

    def _weighted_by_batch(self, where: Where, depth: int) -> Scaled | None:
        """A term of a sum we cannot follow, times (or over) a coefficient made from the batch
        size: `kld_weight * kl` with `kld_weight = batch_size / num_train`. The coefficient stays
        an op of the term, so that the term's weight against the others can be read."""
        expr = where.expr
        if not (isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Multiply, cst.Divide))):
            return None
        left = Where(expr.left, where.scope, where.position)
        right = Where(expr.right, where.scope, where.position)
        powers = (self.batch_power(left), self.batch_power(right))
        if isinstance(expr.operator, cst.Divide):
            term, factor, op = (left, right, "div") if powers[1] and not powers[0] else (None, None, None)
        elif powers[0] and not powers[1]:
            term, factor, op = right, left, "mul"
        elif powers[1] and not powers[0]:
            term, factor, op = left, right, "mul"
        else:
            return None
        if term is None:
            return None
        inner = self.trace(term, depth + 1)
        return Scaled(inner, self._op(op, factor, expr)) if isinstance(inner, Opaque) else None

    def _trace_call(self, where: Where, depth: int):
        call = where.expr
        func = call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        qualified = self.resolver.qualified(func) or ""
        site = self.loss_sites.get(id(call))
        if site is not None and site.kind == LossKind.FUNCTIONAL:
            return self._term(site, where)
        if dotted_name(func) == catalog.BUILTINS.adder and len(call.args) == 1 and call.args[0].keyword is None:
            return self._sum_of(where, call.args[0].value, depth)
        reduction = catalog.REDUCTION_FUNCTIONS.get(qualified)
        if reduction is not None:
            method = None  # `torch.mean(x)`: a function of its argument, not a method of `torch`
        elif method:
            reduction = catalog.REDUCTION_METHODS.get(method)
        if reduction is not None:
            receiver = func.value if method else (call.args[0].value if call.args else None)
            if receiver is None:
                return Opaque(call)
            extra_args = call.args if method else call.args[1:]
            return self._reduce(where, receiver, reduction, extra_args, depth)
        if method in TENSOR.transparent:
            return self.trace(Where(func.value, where.scope, where.position), depth + 1)
        if method is not None and method == TENSOR.loss_scale_method and len(call.args) == 1:
            return self.trace(Where(call.args[0].value, where.scope, where.position), depth + 1)
        if method in TENSOR.elementwise or qualified.split(".")[-1] in TENSOR.elementwise:
            return Opaque(call, elementwise=True)
        criterion, _ = self.resolver.origin_call(Where(func, where.scope, where.position))
        if criterion is not None:
            site = self.loss_sites.get(id(criterion.node)) or self._project_loss(criterion.node)
            if site is not None and site.kind == LossKind.MODULE:
                return self._term(site, where)
        helper = self.resolver.local_function(func, where.scope)
        if helper is not None:
            return self._returned(self, helper, depth) or self._elementwise_helper(helper, call, depth)
        imported = self.resolver.imported_function(func, where.scope) if self.resolver.project else None
        if imported is not None:  # a loss helper in another module of the project
            other, helper = imported
            returned = self._returned(other.tracer, helper, depth)
            return arrived(returned, other.index, self.index.span(call)) if returned else Opaque(call)
        if self.penalties.penalty_call(call):  # `model.kl_loss()`: computed from the weights alone
            return Penalty(call)
        return Opaque(call, produced=True)

    @staticmethod
    def _returned(tracer: FlowTracer, helper: int, depth: int):
        """What the helper `helper` (a scope of `tracer`'s module) returns, when all returns agree."""
        traced = [tracer.trace(Where(r, helper, tracer.index.start(r)), depth + 1)
                  for r in tracer.index.scopes[helper].returns]
        known = [t for t in traced if not isinstance(t, Opaque)]
        if known and len(known) == len(traced) and all(_same(known[0], t) for t in known):
            return known[0]
        return None

    def _elementwise_helper(self, helper: int, call: cst.Call, depth: int) -> Opaque:
        """A helper that returns element-wise values (`return (y_hat - y) ** 2 / 2`, d2l's
        `squared_loss`) is, reduced by its caller, the same hand-written loss as written inline."""
        returns = self.index.scopes[helper].returns
        traced = [self.trace(Where(r, helper, self.index.start(r)), depth + 1) for r in returns]
        return Opaque(call, elementwise=bool(traced) and all(isinstance(t, Opaque) and t.elementwise for t in traced))

    def _project_loss(self, node: cst.Call) -> LossSite | None:
        """The loss site made by `node` in another module of the project (a criterion factory)."""
        project = self.resolver.project
        if project is None:
            return None
        return next((a.losses[id(node)] for a in project.analyses() if id(node) in a.losses), None)

    def _reduce(self, where: Where, receiver, kind: Reduction, extra_args, depth: int):
        call = where.expr
        inner = self.trace(Where(receiver, where.scope, where.position), depth + 1)
        over_batch = not extra_args or _reduces_dim_zero(extra_args)
        if isinstance(inner, Term) and inner.reduction is Reduction.NONE:
            if not over_batch:
                return inner  # a sum over other dims keeps one value per sample
            span = self.index.span(call) if kind is Reduction.SUM else None
            mean = self.index.span(call) if kind is Reduction.MEAN else None
            return Term(inner.loss, kind, span, inner.invocation_scope, inner.tensor_args, inner.entry_span,
                        mean_span=mean)
        if isinstance(inner, Term):
            return inner  # already a scalar: summing it again changes nothing
        weighted = weighted_per_sample(inner)
        if weighted is not None and over_batch:  # `(per_sample * mask).sum()`: the weights stay ops
            term, ops = weighted
            span = self.index.span(call) if kind is Reduction.SUM else None
            mean = self.index.span(call) if kind is Reduction.MEAN else None
            reduced = Term(term.loss, kind, span, term.invocation_scope, term.tensor_args, term.entry_span,
                           mean_span=mean)
            for op in ops:
                reduced = Scaled(reduced, op)
            return reduced
        stacked = self._stacked(Where(receiver, where.scope, where.position))
        if stacked is not None:  # `torch.stack(losses).sum()`; a mean of them is not vouched for
            return self._sum_of(where, stacked, depth) if kind is Reduction.SUM and over_batch else Opaque(call)
        if isinstance(inner, Opaque) and (inner.elementwise or self._is_model_output(
                Where(receiver, where.scope, where.position))):
            if not over_batch:
                return Opaque(call, elementwise=True)
            span = self.index.span(call)
            # A hand-written `.mean()` over element-wise values divides by every element.
            manual = LossSite(kind="manual", name=kind.value, call_span=span, reduction=kind,
                              mean_divides_by=MeanDivisor.ELEMENTS)
            return Term(manual, kind, span if kind is Reduction.SUM else None, self.index.scopes[where.scope].name,
                        batch_values=self.penalties.from_batch(Where(receiver, where.scope, where.position)))
        # `compute_loss(pred, target).mean()`: still the value of a call we cannot see into. Its
        # reduction stays unknown, but whether it is divided by K on the way to backward is not.
        # A whole `.mean()` of what we cannot see (`(z @ z.T).mean()`) does not grow with B.
        produced = isinstance(inner, Opaque) and inner.produced
        return Opaque(call, produced=produced, reduced=None if extra_args or produced else kind)

    def _penalty_or_none(self, where: Where) -> Penalty | None:
        return Penalty(where.expr) if self.penalties.mentions_parameters(where) else None

    def _term(self, site: LossSite, where: Where) -> Term:
        names = tuple(a.value.value for a in where.expr.args if a.keyword is None and isinstance(a.value, cst.Name))
        sum_span = site.reduction_arg_span or _legacy_span(site)
        # A criterion made in another module enters this one where it is called.
        entry = self.index.span(where.expr) if site.call_span.path != self.index.path else None
        inputs = [a.value for a in where.expr.args if a.keyword is None]
        width = self._output_width(Where(inputs[0], where.scope, where.position)) if inputs else None
        return Term(site, site.reduction, sum_span, self.index.scopes[where.scope].name, names, entry,
                    elements_per_example=width)

    def _in_place(self, op: ScaleOp, binding) -> ScaleOp:
        """Mark an op that is a whole statement of its own, so that a fix can delete its lines."""
        statement = next((s.body[0] for s in self.index.sole_statements.values()
                          if (isinstance(s.body[0], cst.Assign) and s.body[0].value is binding.value)
                          or (isinstance(s.body[0], cst.AugAssign) and s.body[0].target is binding.node)), None)
        line = self.index.sole_statements.get(id(statement)) if statement is not None else None
        if line is None:
            return op
        span = self.index.span(line)
        whole = replace(span, column=1, end_line=span.end_line + 1, end_column=1)
        return replace(op, statement_span=whole)

    def division(self, divisor: Where, node: cst.CSTNode) -> ScaleOp:
        """The op `node` (a `x / divisor` written somewhere) would be, had it reached backward."""
        return self._op("div", divisor, node)

    def _op(self, op: str, factor: Where, node: cst.CSTNode) -> ScaleOp:
        value: Value = self.resolver.value(factor)
        operand = self.index.code(node.left) if isinstance(node, cst.BinaryOperation) else None
        role = self.role(factor)
        return ScaleOp(op=op, factor=value, role=role, span=self.index.span(node),
                       scope=self.index.scopes[factor.scope].name, operand=operand,
                       counts_mask=role is ScaleRole.BATCH_LENGTH and self.counts_mask(factor),
                       batch_power=self.batch_power(factor))

def _is_loss_like(node) -> bool:
    """A traced value that can carry a loss: anything but an opaque value of unknown making."""
    return not isinstance(node, Opaque) or node.produced


def _is_zero(node) -> bool:
    """`loss = 0` (or `0.0`) before a loop adds the terms to it: nothing of its own."""
    expr = node.expr if isinstance(node, Opaque) else None
    return isinstance(expr, (cst.Integer, cst.Float)) and float(expr.value) == 0.0


def _legacy_span(site: LossSite):
    return site.legacy_args[0].span if site.legacy_args else None


def _reduces_dim_zero(args) -> bool:
    for arg in args:
        if arg.keyword is None or arg.keyword.value == catalog.REDUCTIONS.dim_keyword:
            return isinstance(arg.value, cst.Integer) and arg.value.value == "0"
    return True


def _same(a, b) -> bool:
    return type(a) is type(b) and (not isinstance(a, Term) or (a.loss == b.loss and a.reduction == b.reduction))
