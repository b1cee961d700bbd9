"""The written shapes of gradient-side code: manual parameter updates and in-place gradient scaling.

Pure syntax: each recogniser looks at one statement or call and says which expressions play which
part (the learning rate, the decay weight, the scale factor). The update builder then resolves
their values. Anything not clearly one of these shapes is not recognised, so a hand-written
adaptive update (`p.data -= lr * m / (v.sqrt() + eps)`) never passes for plain SGD.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import libcst as cst

from lossscale_lint.facts import catalog
from lossscale_lint.facts.index import dotted_name


@dataclass(frozen=True)
class ManualUpdate:
    """`p.data -= lr * p.grad`, optionally `lr * (p.grad + wd * p)`: plain SGD with coupled decay."""

    lr: cst.BaseExpression
    decay: cst.BaseExpression | None = None  # the weight `wd` of a `wd * p` term
    decay_term: cst.BaseExpression | None = None  # the whole `wd * p` term
    on_data: bool = False  # the update bypasses autograd (`p.data`), so needs no `no_grad`
    # `p -= lr * p.grad / batch_size` (d2l's `sgd`): the step is divided by this as well.
    divisor: cst.BaseExpression | None = None


@dataclass(frozen=True)
class GradientScale:
    """`p.grad /= K`, `p.grad.mul_(1 / K)`, `torch._foreach_div_(grads, K)`: op and its factor."""

    op: str  # "div" / "mul", after reading `mul_(1 / K)` as a division by K
    factor: cst.BaseExpression


def strip_data(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`p.data` -> `p`: the same tensor, read or written without autograd."""
    if isinstance(expr, cst.Attribute) and expr.attr.value == catalog.DATA_ATTRIBUTE:
        return expr.value
    return expr


def gradient_of(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """`p` for `p.grad` or `p.grad.data`, else None."""
    expr = strip_data(expr)
    if isinstance(expr, cst.Attribute) and expr.attr.value == catalog.GRADIENT_ATTRIBUTE:
        return expr.value
    return None


def _same(a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
    # LibCST keeps parentheses on the node itself, so `(p)` and `p` differ here: a rare spelling.
    return a.deep_equals(b)


def _is_plain_rate(expr: cst.BaseExpression, divided: bool = True) -> bool:
    """A learning rate as people write it: a number, a name, `args.lr`, `group["lr"]`, or one of
    those divided by another (`lr / batch_size`).

    Anything else computed (`lr / (v.sqrt() + eps)`) may be an adaptive rule, so it is not accepted.
    """
    if isinstance(expr, (cst.Integer, cst.Float)) or dotted_name(expr) is not None:
        return True
    if divided and isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
        return _is_plain_rate(expr.left, False) and _is_plain_rate(expr.right, False)
    return (isinstance(expr, cst.Subscript) and dotted_name(expr.value) is not None and len(expr.slice) == 1
            and isinstance(expr.slice[0].slice, cst.Index)
            and isinstance(expr.slice[0].slice.value, (cst.SimpleString, cst.Integer)))


def _decay_term(expr: cst.BaseExpression, parameter: cst.BaseExpression) -> cst.BaseExpression | None:
    """The weight `wd` when `expr` is `wd * p` (or `p * wd`, `p.data`) for this parameter."""
    expr = expr
    if not (isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply)):
        return None
    for weight, tensor in ((expr.left, expr.right), (expr.right, expr.left)):
        if _same(strip_data(tensor), parameter) and _is_plain_rate(weight):
            return weight
    return None


def _direction(expr: cst.BaseExpression, parameter: cst.BaseExpression):
    """(is the gradient of `parameter`, decay weight, decay term) for `p.grad` or `p.grad + wd * p`."""
    expr = expr
    base = gradient_of(expr)
    if base is not None:
        return _same(base, parameter), None, None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        for grad, other in ((expr.left, expr.right), (expr.right, expr.left)):
            base = gradient_of(grad)
            weight = _decay_term(other, parameter)
            if base is not None and _same(base, parameter) and weight is not None:
                return True, weight, other
    return False, None, None


def _descent(product: cst.BaseExpression, parameter: cst.BaseExpression, negated: bool) -> ManualUpdate | None:
    """`lr * p.grad` (or `p.grad * lr`, `lr * (p.grad + wd * p)`, `lr * p.grad / B`) as the amount
    a descent step takes away; `negated`: the amount is added, so the rate must be `-lr`."""
    divisor = None
    if (isinstance(product, cst.BinaryOperation) and isinstance(product.operator, cst.Divide)
            and _is_plain_rate(product.right, False)):
        product, divisor = product.left, product.right
    if not (isinstance(product, cst.BinaryOperation) and isinstance(product.operator, cst.Multiply)):
        return None
    for rate, direction in ((product.left, product.right), (product.right, product.left)):
        is_gradient, decay, term = _direction(direction, parameter)
        rate = _negated_rate(rate) if negated else rate
        if is_gradient and rate is not None and _is_plain_rate(rate):
            return ManualUpdate(lr=rate, decay=decay, decay_term=term, divisor=divisor)
    return None


def _negated_rate(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """`lr` for `-lr`: a descent step adds the gradient times -lr."""
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        return expr.expression
    return None


def manual_update_statement(node: cst.AugAssign) -> ManualUpdate | None:
    """`p.data -= lr * p.grad`, `w -= lr * (w.grad + wd * w)`, `p -= lr * p.grad / batch_size`."""
    if not isinstance(node.operator, cst.SubtractAssign):
        return None
    parameter = strip_data(node.target)
    update = _descent(node.value, parameter, negated=False)
    return replace(update, on_data=parameter is not node.target) if update is not None else None


def manual_update_call(node: cst.Call) -> ManualUpdate | None:
    """`p.add_(p.grad, alpha=-lr)`, `p.data.add_(-lr, p.grad)` (the deprecated overload),
    `p.data.sub_(lr * p.grad)`, `p.sub_(p.grad, alpha=lr)`."""
    if not isinstance(node.func, cst.Attribute):
        return None
    record = catalog.MANUAL_UPDATE_CALLS.get(node.func.attr.value)
    if record is None or any(a.star for a in node.args):
        return None
    parameter = strip_data(node.func.value)
    positional = [a.value for a in node.args if a.keyword is None]
    keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
    if set(keywords) - {record.scale_keyword}:
        return None
    if len(positional) == 1 and record.scale_keyword in keywords:
        scale, direction = keywords[record.scale_keyword], positional[0]
    elif len(positional) == 2 and not keywords and record.legacy_scale_first:
        scale, direction = positional
    elif len(positional) == 1 and not keywords:
        update = _descent(positional[0], parameter, negated=record.adds)
        return replace(update, on_data=parameter is not node.func.value) if update is not None else None
    else:
        return None
    is_gradient, decay, term = _direction(direction, parameter)
    rate = _negated_rate(scale) if record.adds else scale
    if not (is_gradient and rate is not None and _is_plain_rate(rate)):
        return None
    return ManualUpdate(lr=rate, decay=decay, decay_term=term, on_data=parameter is not node.func.value)


def _scale(op: str, factor: cst.BaseExpression) -> GradientScale:
    """`mul_(1 / K)` is a division by K; everything else is what it says."""
    factor = factor
    if (op == "mul" and isinstance(factor, cst.BinaryOperation) and isinstance(factor.operator, cst.Divide)
            and isinstance(factor.left, (cst.Integer, cst.Float)) and float(factor.left.value) == 1.0):
        return GradientScale(op="div", factor=factor.right)
    return GradientScale(op=op, factor=factor)


_AUGMENTED_OPS = {cst.DivideAssign: "div", cst.MultiplyAssign: "mul"}


def gradient_scale_statement(node: cst.AugAssign) -> GradientScale | None:
    """`p.grad /= K`, `p.grad.data *= 1 / K`."""
    op = _AUGMENTED_OPS.get(type(node.operator))
    if op is None or gradient_of(node.target) is None:
        return None
    return _scale(op, node.value)


def gradient_scale_call(node: cst.Call, qualified: str) -> tuple[GradientScale, cst.BaseExpression | None] | None:
    """`p.grad.div_(K)` (gradients None: the receiver is one) or `torch._foreach_div_(grads, K)`
    (with `grads`, which the caller must show to be gradients)."""
    op = catalog.GRADIENT_SCALE_FUNCTIONS.get(qualified)
    method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
    if op is None and method not in catalog.GRADIENT_SCALE_METHODS:
        return None  # most calls: decided without looking at the arguments
    positional = [a.value for a in node.args if a.keyword is None and not a.star]
    if len(positional) != len(node.args):
        return None
    if op is not None and len(positional) == 2:
        return _scale(op, positional[1]), positional[0]
    if method is not None and len(positional) == 1 and gradient_of(node.func.value) is not None:
        return _scale(catalog.GRADIENT_SCALE_METHODS[method], positional[0]), None
    return None


def mentions_gradients(expr: cst.BaseExpression) -> bool:
    """Whether `expr` is built from `.grad` attributes (`[p.grad for p in model.parameters()]`)."""
    found = []

    class Finder(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            if node.attr.value == catalog.GRADIENT_ATTRIBUTE:
                found.append(node)

    expr.visit(Finder())
    return bool(found)
