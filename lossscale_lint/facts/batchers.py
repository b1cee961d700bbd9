"""Hand-written batchers: `for start in range(0, len(data), B)` with `data[start:start + B]`.

Such a loop batches the data like a `DataLoader` without `drop_last`: unless B divides the length,
its last slice is shorter than B. The batcher becomes a `DataLoaderSite` of kind "slices", so the
rules that care about the last batch (LSL104) and the batch-size readers see it like a loader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import libcst as cst

from lossscale_lint.facts import catalog
from lossscale_lint.facts.index import CodeIndex, dotted_name
from lossscale_lint.facts.model import DataLoaderSite, Value
from lossscale_lint.facts.resolve import Where

_RANGE = catalog.BUILTINS.counter


def _is_start_plus(expr: cst.BaseExpression, start: str, step: cst.BaseExpression) -> bool:
    """`start + B` or `B + start`: the end of the slice that begins at `start`."""
    if not (isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add)):
        return False
    for a, b in ((expr.left, expr.right), (expr.right, expr.left)):
        if isinstance(a, cst.Name) and a.value == start and b.deep_equals(step):
            return True
    return False


def _slices(loop: cst.For, start: str, step: cst.BaseExpression) -> bool:
    """Whether the loop body slices something as `x[start:start + B]` (or `min(start + B, n)`)."""
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Slice(self, node: cst.Slice) -> None:
            nonlocal found
            lower, upper = node.lower, node.upper
            if upper is not None and isinstance(upper, cst.Call) and dotted_name(upper.func) == "min" and upper.args:
                upper = upper.args[0].value
            if isinstance(lower, cst.Name) and lower.value == start and upper is not None \
                    and _is_start_plus(upper, start, step):
                found = True

    loop.body.visit(Finder())
    return found


def _drops_remainder(stop: cst.BaseExpression, step: cst.BaseExpression) -> bool:
    """A stop that leaves no short slice: `len(x) - B + 1`, `n - B`, `n // B * B`, or literals
    that divide. Anything computed but a plain length is taken as such: no claim is made then."""
    if isinstance(stop, cst.BinaryOperation):
        return not isinstance(stop.operator, cst.Add) or _drops_remainder(stop.left, step) \
            or _drops_remainder(stop.right, step)
    if isinstance(stop, cst.Integer) and isinstance(step, cst.Integer):
        return int(stop.value) % max(int(step.value), 1) == 0
    return False


def batcher_loops(index: CodeIndex) -> Iterator[tuple[cst.For, cst.BaseExpression, int]]:
    """(loop, B, scope) for every hand-written batcher that can leave a short last slice."""
    seen: set[int] = set()
    for call in index.calls:
        for loop in call.loops:
            if id(loop) in seen or not isinstance(loop, cst.For):
                continue
            seen.add(id(loop))
            iterator, target = loop.iter, loop.target
            if not (isinstance(iterator, cst.Call) and dotted_name(iterator.func) == _RANGE
                    and len(iterator.args) == 3 and isinstance(target, cst.Name)):
                continue
            stop, step = iterator.args[1].value, iterator.args[2].value
            if not _drops_remainder(stop, step) and _slices(loop, target.value, step):
                yield loop, step, call.scope


def batcher_sites(index: CodeIndex, value_of: Callable[[Where], Value]) -> dict[int, DataLoaderSite]:
    """The batchers of a module as loader sites, keyed by the id of their `for` statement."""
    return {
        id(loop): DataLoaderSite(span=index.span(loop.iter), kind="slices",
                                 batch_size=value_of(Where(step, scope, index.start(loop))))
        for loop, step, scope in batcher_loops(index)
    }
