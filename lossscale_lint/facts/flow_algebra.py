"""Sums of several terms and per-sample values, for the flow tracer (facts/flow.py).

`sum(terms)` and `torch.stack(terms).sum()` over a list we can see whole, a model's per-sample
output reduced directly (`model(x).sum()`), a per-sample loss times a mask or weights, and the
loss a known library model returns itself (`model(**batch).loss`).
"""

from __future__ import annotations

import libcst as cst

from lossscale_lint.facts import catalog
from lossscale_lint.facts.flow_nodes import Opaque, Plus, Scaled, Term
from lossscale_lint.facts.index import dotted_name
from lossscale_lint.facts.model import LossSite, Reduction, ScaleOp
from lossscale_lint.facts.resolve import MAX_DEPTH, Where

TENSOR = catalog.TENSOR_METHODS


class AlgebraMixin:
    """Methods of FlowTracer (which provides resolver, index and _additive)."""

    def _sum_of(self, where: Where, sequence: cst.BaseExpression, depth: int):
        """`sum(terms)`: the terms added up, when every one of them is known: a literal list or
        tuple, or a list built by appending to it in this function (`losses.append(l)`)."""
        items = self._sequence(Where(sequence, where.scope, where.position))
        if items is None:
            return Opaque(where.expr)  # a list we cannot see into: not a loss we can vouch for
        traced = [self._additive(item, depth) for item in items]
        if not traced or all(isinstance(t, Opaque) for t in traced):
            return Opaque(where.expr)
        return Plus(traced)

    def _made_by_call(self, where: Where, depth: int = 0) -> Where | None:
        """The call an expression's value comes from: through transparent methods (`.float()`,
        `.to(device)`) and names assigned once on the way (`out = model(x)`); None otherwise."""
        expr = where.expr
        while (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
               and expr.func.attr.value in TENSOR.transparent):
            expr = expr.func.value
        if isinstance(expr, cst.Name):
            binding = self.resolver.lookup(expr, where.scope, where.position)
            if depth >= MAX_DEPTH or binding is None or binding.kind != "assign" or binding.value is None:
                return None
            return self._made_by_call(Where(binding.value, binding.scope, binding.position), depth + 1)
        return Where(expr, where.scope, where.position) if isinstance(expr, cst.Call) else None

    def _is_loader(self, where: Where) -> bool:
        """A data loader: made by a catalog loader (`DataLoader(...)`) or named like one
        (`train_loader`, a parameter made out of sight)."""
        _, qualified = self.resolver.origin_call(where)
        if qualified and catalog.dataloader_record(qualified) is not None:
            return True
        name = dotted_name(where.expr) or ""
        return catalog.LOADER_NAME_WORD in name.rpartition(".")[2].lower()

    def _returned_loss(self, where: Where) -> Term | Scaled | None:
        """`outputs.loss` / `outputs["loss"]` where `outputs` is what a catalog-known library model
        (`AutoModelForCausalLM.from_pretrained(...)`) returned: its own loss, with the catalog's
        reduction (divided by the count the call passes as the window's token count, if it does).
        Any other model's returned loss stays a value of unknown reduction."""
        expr = where.expr
        if isinstance(expr, cst.Attribute):
            field = expr.attr.value
        elif isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
            key = expr.slice[0].slice.value
            field = key.evaluated_value if isinstance(key, cst.SimpleString) else None
        else:
            return None
        made = self._made_by_call(Where(expr.value, where.scope, where.position))  # `outputs = model(**batch)`
        if made is None:
            return None
        call = made.expr
        _, qualified = self.resolver.origin_call(Where(call.func, made.scope, made.position))
        known = catalog.returned_loss(qualified or "")
        if known is None or known[0].loss_attribute != field:
            return None
        record, model_class = known
        span = self.index.span(call)
        site = LossSite(kind="model", name=f"{model_class}.{field}", call_span=span,
                        reduction=record.reduction, mean_divides_by=record.mean_divides_by,
                        token_mean=record.averages_tokens(model_class))
        term = Term(site, record.reduction, None, self.index.scopes[where.scope].name)
        # `model(**batch, num_items_in_batch=n)`: the summed token loss divided by the caller's n.
        count = next((a.value for a in call.args if a.keyword is not None
                      and a.keyword.value == record.window_count_keyword), None)
        return term if count is None else Scaled(term, self._op("div", Where(count, made.scope, made.position), call))

    def _summed_over_items(self, binding, added, where: Where):
        """`loss += criterion(model(x), y)` in a loop over the samples of a batch, used after the
        loop: the per-item losses add up to a loss summed over the batch (sum_span: the `+=`)."""
        if not isinstance(added, Term) or added.reduction not in _SCALAR_REDUCTIONS:
            return None
        statement = next((s for s in self.index.augmented if s.node.target is binding.node), None)
        loop = statement.loops[-1] if statement is not None and statement.loops else None
        end = self.index.positions[loop].end if isinstance(loop, cst.For) else None
        if end is None or (end.line, end.column) >= where.position:
            return None  # used inside the loop: one item at a time, not the sum
        batch = self._iterated_batch(loop.iter, binding.scope, binding.position)
        if batch is None:
            return None
        span = self.index.span(statement.node)
        return Term(added.loss, Reduction.SUM, span, added.invocation_scope, added.tensor_args, added.entry_span,
                    batch_length=f"{catalog.BUILTINS.length}({self.index.code(batch)})")

    def _iterated_batch(self, iterator: cst.BaseExpression, scope: int, position) -> cst.BaseExpression | None:
        """The batch a loop runs over sample by sample: `for x, y in zip(xb, yb)`, `enumerate(batch)`,
        `range(len(batch))`, `range(xb.size(0))`, over a slice of the data or what a loader yields."""
        if isinstance(iterator, cst.Call) and dotted_name(iterator.func) in _ITEM_WRAPPERS:
            items = [a.value for a in iterator.args if a.keyword is None]
            found = [self._iterated_batch(i, scope, position) for i in items]
            return found[0] if found and all(f is not None for f in found) else None
        if isinstance(iterator, cst.Call) and dotted_name(iterator.func) == catalog.BUILTINS.counter \
                and len(iterator.args) == 1:
            count = iterator.args[0].value
            measured = (count.args[0].value if isinstance(count, cst.Call) and count.args
                        and dotted_name(count.func) == catalog.BUILTINS.length
                        else _counted(count))
            return measured if measured is not None and self._is_batch(measured, scope, position, 0) else None
        return iterator if self._is_batch(iterator, scope, position, 0) else None

    def _is_batch(self, expr: cst.BaseExpression, scope: int, position, depth: int) -> bool:
        """A batch of samples: `data[i:i + B]`, `X[idx]` with `idx` such a slice, or a loader's item."""
        if depth > MAX_DEPTH:
            return False
        if isinstance(expr, cst.Subscript):
            return any(isinstance(e.slice, cst.Slice) for e in expr.slice) or any(
                isinstance(e.slice, cst.Index) and self._is_batch(e.slice.value, scope, position, depth + 1)
                for e in expr.slice)
        if not isinstance(expr, cst.Name):
            return False
        binding = self.resolver.lookup(expr, scope, position)
        if binding is None or binding.value is None:
            return False
        if binding.kind == "loop" or (binding.kind == "unpack" and not isinstance(binding.value, cst.Tuple)):
            # `for xb, yb in loader` (the binding's value is what the loop iterates)
            source = binding.value
            while isinstance(source, cst.Call) and source.args and \
                    dotted_name(source.func) in catalog.BUILTINS.iteration_wrappers:
                source = source.args[0].value
            return self._is_loader(Where(source, binding.scope, binding.position))
        if binding.kind == "assign":
            return self._is_batch(binding.value, binding.scope, binding.position, depth + 1)
        value = binding.value  # `xb, yb = X[idx], Y[idx]`
        if binding.kind == "unpack" and isinstance(value, cst.Tuple) and binding.index < len(value.elements):
            return self._is_batch(value.elements[binding.index].value, binding.scope, binding.position, depth + 1)
        return False

    def _output_width(self, where: Where) -> int | None:
        """D for `model(x)` (or a name bound to it) when `model` is an `nn.Linear(in, D)` or an
        `nn.Sequential` ending in one: the values per example a loss on the output averages over."""
        call = self._made_by_call(where)
        if call is None:
            return None
        made, qualified = self.resolver.origin_call(Where(call.expr.func, call.scope, call.position))
        return _layer_width(made.node, qualified, self.resolver.qualified) if made is not None and qualified else None

    def _stacked(self, where: Where) -> cst.BaseExpression | None:
        """The list `torch.stack(list)` makes one tensor of."""
        expr = where.expr
        if (isinstance(expr, cst.Call) and len(expr.args) == 1 and expr.args[0].keyword is None
                and self.resolver.qualified(expr.func) == catalog.TERM_STACKER):
            return expr.args[0].value
        return None

    def _is_model_output(self, where: Where) -> bool:
        """`model(x)` (or a name bound to it) for a model that returns one output per sample."""
        made = self._made_by_call(where)
        expr = made.expr if made is not None else None
        if expr is None or len(expr.args) != 1 or expr.args[0].keyword or expr.args[0].star:
            return False
        _, qualified = self.resolver.origin_call(Where(expr.func, made.scope, made.position))
        if not qualified or catalog.loss_record(qualified) is not None or qualified in catalog.MODEL_WRAPPERS:
            return False
        if qualified.startswith(catalog.MODEL_HOME + ".") and qualified[len(catalog.MODEL_HOME) + 1:].isidentifier():
            return qualified != catalog.MODEL_BASE
        for scope in self.index.scopes:  # a model class of this module with a one-input forward
            if scope.kind == "class" and scope.name == qualified and any(
                    self.resolver.qualified(base) == catalog.MODEL_BASE for base in scope.bases):
                forward = self.index.functions.get((scope.id, catalog.MODEL_FORWARD))
                return forward is not None and len(self.index.scopes[forward].params) == 2
        return False

    def _sequence(self, where: Where) -> list[Where] | None:
        expr = where.expr
        if isinstance(expr, (cst.List, cst.Tuple)):
            if not all(isinstance(e, cst.Element) for e in expr.elements):
                return None  # `[*losses, extra]`
            return [Where(e.value, where.scope, where.position) for e in expr.elements]
        if not isinstance(expr, cst.Name):
            return None
        binding = self.resolver.lookup(expr, where.scope, where.position)
        if binding is None or binding.kind != "assign" or not isinstance(binding.value, (cst.List, cst.Tuple)):
            return None
        items = self._sequence(Where(binding.value, binding.scope, binding.position))
        if items is None:
            return None
        # Every method called on the list between its creation and the sum must be an append of one
        # value; anything else (extend, insert, pop, a call that receives the list) may change it.
        for call in self.index.calls:
            if call.scope != binding.scope or not binding.position < call.position < where.position:
                continue
            node = call.node
            receives = any(isinstance(a.value, cst.Name) and a.value.value == expr.value for a in node.args)
            on_list = (isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name)
                       and node.func.value.value == expr.value)
            if on_list and node.func.attr.value == catalog.BUILTINS.list_append and len(node.args) == 1:
                items.append(Where(node.args[0].value, call.scope, call.position))
            elif on_list or receives:
                return None
        return items


_SCALAR_REDUCTIONS = (Reduction.MEAN, Reduction.SUM, Reduction.BATCHMEAN)
# Calls that walk one or several sequences item by item (`zip(xb, yb)`, `enumerate(batch)`).
_ITEM_WRAPPERS = catalog.BUILTINS.iteration_wrappers | {catalog.BUILTINS.zipper}


def _counted(count: cst.BaseExpression) -> cst.BaseExpression | None:
    """`xb` for `xb.size(0)` or `xb.shape[0]`."""
    if (isinstance(count, cst.Call) and isinstance(count.func, cst.Attribute)
            and count.func.attr.value == TENSOR.size_method):
        return count.func.value
    if isinstance(count, cst.Subscript) and isinstance(count.value, cst.Attribute) \
            and count.value.attr.value == TENSOR.shape_attribute:
        return count.value.value
    return None


def _layer_width(node: cst.Call, qualified: str, qualify) -> int | None:
    """The out width a constructor call `node` (of `qualified`) builds, when it is written out;
    `qualify` names the layers inside an `nn.Sequential`."""
    known = catalog.OUTPUT_WIDTH
    if known.layer.reached_by(qualified):
        positional = [a.value for a in node.args if a.keyword is None]
        width = next((a.value for a in node.args if a.keyword and a.keyword.value == known.out_keyword),
                     positional[known.out_position] if len(positional) > known.out_position else None)
        return int(width.value) if isinstance(width, cst.Integer) else None
    if not known.container.reached_by(qualified):
        return None
    for arg in reversed(node.args):  # the last layer that sets the width
        layer = arg.value
        if not isinstance(layer, cst.Call) or arg.keyword is not None or arg.star:
            return None
        inner = qualify(layer.func) or ""
        if inner.startswith(catalog.MODEL_HOME + ".") and inner.rpartition(".")[2] in known.width_keeping:
            continue
        return _layer_width(layer, inner, qualify)
    return None


def is_comparison(expr: cst.BaseExpression) -> bool:
    """`(y != pad)`, `(y != pad).float()`: a mask."""
    while (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
           and expr.func.attr.value in TENSOR.transparent and not expr.args):
        expr = expr.func.value
    return isinstance(expr, cst.Comparison)


def weighted_per_sample(node) -> tuple[Term, list[ScaleOp]] | None:
    """A per-sample loss (reduction "none") multiplied by weights or a mask: the term and the
    multiplications, innermost first."""
    ops = []
    while isinstance(node, Scaled) and node.op.op == "mul":
        ops.insert(0, node.op)
        node = node.inner
    if ops and isinstance(node, Term) and node.reduction is Reduction.NONE:
        return node, ops
    return None
