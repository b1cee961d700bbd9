"""Which values added to a loss are parameter penalties: `lam * l2` over `model.parameters()`,
`model.kl_loss()` of a Bayesian net, `sum(m.kl for m in model.modules())`.

A penalty does not grow with the batch (section 1 of ml-scaling-semantics.md: beside a summed data
term its weight is lambda/B), which is what LSL102 is about. Recognising one computed out of sight
takes a name and the model: the call must be named like a penalty (catalog `PENALTIES.words`) and
reach the model as its receiver or only argument, so that `kl_divergence(q_z, p_z)` between a VAE's
latent distributions, a per-sample term, is never taken for one.
"""

from __future__ import annotations

import libcst as cst

from lossscale_lint.facts import catalog
from lossscale_lint.facts.index import dotted_name
from lossscale_lint.facts.resolve import MAX_DEPTH, Where

TENSOR = catalog.TENSOR_METHODS
PENALTIES = catalog.PENALTIES


def penalty_named(name: str | None) -> bool:
    """`kl_loss`, `compute_kl`, `l2`, `weight_penalty`: one `_`-separated part is a penalty word."""
    return bool(name) and any(part in PENALTIES.words for part in name.lower().split("_"))


class PenaltyFinder:
    """Reads expressions of one module (its resolver) for parameter penalties."""

    def __init__(self, resolver) -> None:
        self.resolver = resolver
        self.index = resolver.index
        # The objects whose parameters the module iterates (`optim.SGD(net.parameters())`): models.
        self.models = frozenset(
            dotted_name(call.node.func.value) for call in self.index.calls
            if isinstance(call.node.func, cst.Attribute) and call.node.func.attr.value in TENSOR.parameter_iterators
            and dotted_name(call.node.func.value) is not None
        )

    def is_model(self, expr: cst.BaseExpression) -> bool:
        return dotted_name(expr) in self.models

    def penalty_call(self, call: cst.Call) -> bool:
        """`model.kl_loss()`, `model.l2()`, `l2_penalty(model)`, `kl_divergence(model)`."""
        func = call.func
        if isinstance(func, cst.Attribute) and not call.args:
            return penalty_named(func.attr.value) and self.is_model(func.value)
        named = func.attr.value if isinstance(func, cst.Attribute) else dotted_name(func)
        return (len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star
                and penalty_named((named or "").rpartition(".")[2]) and self.is_model(call.args[0].value))

    def mentions_parameters(self, where: Where) -> bool:
        """True when the expression is computed from the model's parameters (an L2 penalty), from a
        penalty call, or from penalty-named values of the model's modules."""
        def parameters(node: cst.CSTNode) -> bool:
            if isinstance(node, cst.Call):
                method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
                return method in TENSOR.parameter_iterators or self.penalty_call(node)
            return isinstance(node, (cst.GeneratorExp, cst.ListComp)) and self._module_penalties(node)

        return self._reaches(where, parameters)

    def _module_penalties(self, node: cst.GeneratorExp | cst.ListComp) -> bool:
        """`(m.kl for m in model.modules())`, `[layer.kl_loss() for layer in net.children()]`."""
        loop = node.for_in
        iterator = loop.iter
        if not (isinstance(iterator, cst.Call) and isinstance(iterator.func, cst.Attribute)
                and iterator.func.attr.value in PENALTIES.module_iterators and self.is_model(iterator.func.value)):
            return False
        element = node.elt.func if isinstance(node.elt, cst.Call) else node.elt
        return isinstance(element, cst.Attribute) and penalty_named(element.attr.value)

    def from_batch(self, where: Where) -> bool:
        """True when the values are computed from the batch: the model's outputs (`outputs =
        model(x)`, `torch.relu(model(x))`) or what the loop draws from the data (`for x, y in
        loader`), so that a sum over them grows with B. Weights alone (`model.fc.weight`) are not."""
        return self._reaches(where, lambda node: isinstance(node, cst.Call) and self.is_model(node.func),
                             follow=("assign", "unpack", "aug"), loops=True)

    def _reaches(self, where: Where, hit, *, follow: tuple[str, ...] | None = None, loops: bool = False,
                 depth: int = 0, seen: set | None = None) -> bool:
        """Whether `hit(node)` holds for a node of the expression or of the values its names are
        bound to (bindings of the kinds in `follow`, every kind when None); a name bound by a loop
        is a hit itself when `loops`."""
        if depth > MAX_DEPTH:
            return False
        seen = set() if seen is None else seen
        found = False
        finder = self

        class Finder(cst.CSTVisitor):
            def on_visit(self, node: cst.CSTNode) -> bool:
                nonlocal found
                if found:
                    return False
                if hit(node):
                    found = True
                    return False
                if isinstance(node, cst.Name) and (where.scope, node.value) not in seen:
                    seen.add((where.scope, node.value))
                    for binding in finder.resolver.all_bindings(node, where.scope):
                        if loops and binding.kind == "loop":
                            found = True
                        elif (binding.value is not None and (follow is None or binding.kind in follow)
                              and finder._reaches(Where(binding.value, binding.scope, binding.position), hit,
                                                  follow=follow, loops=loops, depth=depth + 1, seen=seen)):
                            found = True
                return True

        where.expr.visit(Finder())
        return found
