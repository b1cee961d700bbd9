"""The last accumulation window of a pass over the batches (the facts LSL207 reads).

`if (i + 1) % K == 0: optimizer.step()` over `for i, batch in enumerate(loader)` steps every K
micro-batches; the index restarts with every pass, so a pass of N batches ends with a window of
r = N mod K micro-batches the guard never steps. What becomes of them depends on the code around
the loop: a step after the loop applies them (an update of r micro-batches each divided by K), a
`zero_grad()` before the loop throws them away, and otherwise they stay in `.grad` and join the
next pass's first window.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from lossscale_lint.facts import catalog
from lossscale_lint.facts.model import AccumulationGuard
from lossscale_lint.facts.resolve import Where

_ENUMERATE = catalog.BUILTINS.enumerator
_RANGE = catalog.BUILTINS.counter
_MAX_DEPTH = 3


def _contains(outer: tuple, inner: cst.CSTNode) -> bool:
    return any(node is inner for node in outer)


def _has_alternative(test: cst.BaseExpression, builder, site, depth: int = 0) -> bool:
    """An `or` in the condition (or in the flag it reads: `should_step = ... or last`)."""
    found = []

    class Finder(cst.CSTVisitor):
        def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
            if isinstance(node.operator, cst.Or):
                found.append(node)

    test.visit(Finder())
    if found:
        return True
    if isinstance(test, cst.Name) and depth < _MAX_DEPTH:
        binding = builder.resolver.lookup(test, site.scope, site.position)
        if binding is not None and binding.kind == "assign" and binding.value is not None:
            return _has_alternative(binding.value, builder, site, depth + 1)
    return False


def _counts_index(expr: cst.BaseExpression, index: str) -> bool:
    """`i`, `i + 1`, `(i + 1)`: the loop index, maybe shifted by a constant."""
    if isinstance(expr, cst.Name):
        return expr.value == index
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        sides = (expr.left, expr.right)
        return (any(isinstance(s, cst.Name) and s.value == index for s in sides)
                and any(isinstance(s, cst.Integer) for s in sides))
    return False


def _enumerated(loop: cst.For) -> tuple[str, cst.BaseExpression] | None:
    """(`i`, `loader`) for `for i, batch in enumerate(loader)` (no start= other than the default)."""
    iterator, target = loop.iter, loop.target
    if not (isinstance(iterator, cst.Call) and isinstance(iterator.func, cst.Name)
            and iterator.func.value == _ENUMERATE and iterator.args and iterator.args[0].keyword is None):
        return None
    if not (isinstance(target, cst.Tuple) and target.elements and isinstance(target.elements[0].value, cst.Name)):
        return None
    return target.elements[0].value.value, iterator.args[0].value


def _length(expr: cst.BaseExpression, builder, site, depth: int = 0) -> int | None:
    """The number of items of `range(n)`, a list or tuple literal, or `[... for _ in range(n)]`."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, (cst.List, cst.Tuple)) and not any(isinstance(e, cst.StarredElement) for e in expr.elements):
        return len(expr.elements)
    if isinstance(expr, (cst.ListComp, cst.GeneratorExp)):
        loop = expr.for_in
        if loop.ifs or loop.inner_for_in is not None:
            return None
        return _length(loop.iter, builder, site, depth + 1)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == _RANGE:
        values = [builder.resolver.value(Where(a.value, site.scope, site.position)) for a in expr.args]
        numbers = [v.number for v in values]
        if any(v.setting is not None for v in values) or any(not isinstance(n, int) for n in numbers):
            return None
        bounds = range(*numbers) if 1 <= len(numbers) <= 3 else None
        return len(bounds) if bounds is not None else None
    if isinstance(expr, cst.Name):
        binding = builder.resolver.lookup(expr, site.scope, site.position)
        if binding is not None and binding.kind == "assign" and binding.value is not None:
            return _length(binding.value, builder, binding, depth + 1)
    return None


def describe_window(guard: AccumulationGuard, modulo: cst.BinaryOperation, test: cst.BaseExpression,
                    step, backward, builder) -> AccumulationGuard:
    """`guard` with what its last window does, when it counts the batches of the loop around it."""
    shared = [loop for loop in backward.loops if _contains(step.loops, loop)]
    if not shared or not isinstance(shared[-1], cst.For):
        return guard
    loop = shared[-1]
    enumerated = _enumerated(loop)
    if enumerated is None or not _counts_index(modulo.left, enumerated[0]):
        return guard
    index = builder.index
    outer = shared[:-1]
    end = index.positions[loop].end
    end = (end.line, end.column)
    steps = [s.site for s in builder.steps_by_scope.get(backward.scope, [])]
    inside = [s for s in steps if _contains(s.loops, loop)]
    flushes = _has_alternative(test, builder, step) or any(s is not step for s in inside)
    # After the loop in the same pass of an epoch loop (with the same enclosing loops). A
    # `zero_grad()` before or after the loop in that pass empties the leftover window.
    same_pass = [s for s in steps if s.position > end and all(_contains(s.loops, o) for o in outer)]
    zeroed = [c for c in index.calls if c.scope == backward.scope and isinstance(c.node.func, cst.Attribute)
              and c.node.func.attr.value in catalog.ZERO_GRAD_METHODS
              and not _contains(c.loops, loop) and all(_contains(c.loops, o) for o in outer)]
    if same_pass:
        leftover = "stepped"
    elif zeroed:
        leftover = "zeroed"
    elif outer:  # an epoch loop around it in this function: the next pass starts on them
        leftover = "carried"
    else:
        leftover = "unapplied"  # run once here, or by callers we do not follow: stay silent
    return dataclasses.replace(guard, counts_loop_batches=True, flushes_last_batch=flushes,
                               batches=_length(enumerated[1], builder, step), leftover=leftover)
