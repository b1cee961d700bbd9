"""What a divisor or multiplier of a loss is, for the flow tracer (facts/flow.py): the batch
length, the configured batch size, the accumulation steps K, the world size, the number of
batches, a mask... Names and shapes only: the values come from the resolver.
"""

from __future__ import annotations

import libcst as cst

from lossscale_lint.facts import catalog
from lossscale_lint.facts.flow_algebra import is_comparison
from lossscale_lint.facts.index import dotted_name
from lossscale_lint.facts.model import ScaleRole
from lossscale_lint.facts.resolve import MAX_DEPTH, Where

TENSOR = catalog.TENSOR_METHODS


class RoleMixin:
    """Methods of FlowTracer (which provides resolver, batch_size_names and accumulation_names)."""

    def role(self, where: Where) -> ScaleRole:
        """What a divisor or multiplier is: the batch length, the configured batch size, K..."""
        expr = where.expr
        if isinstance(expr, cst.Call) and catalog.is_world_size_function("", self.resolver.qualified(expr.func) or ""):
            return ScaleRole.WORLD_SIZE  # `hvd.size()`, which the count check below would take for `x.size()`
        if self._is_batch_count(where):
            return ScaleRole.BATCH_COUNT
        if self._is_count(expr):
            return ScaleRole.BATCH_LENGTH
        if is_comparison(expr):
            return ScaleRole.MASK
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Divide, cst.Multiply)):
            sides = {self.role(Where(side, where.scope, where.position)) for side in (expr.left, expr.right)}
            if sides == {ScaleRole.BATCH_SIZE, ScaleRole.BATCH_LENGTH}:
                return ScaleRole.BATCH_RATIO
        if isinstance(expr, (cst.Name, cst.Attribute)):
            binding = self.resolver.lookup(expr, where.scope, where.position)
            if binding is not None and binding.kind == "assign" and binding.value is not None:
                inner = Where(binding.value, binding.scope, binding.position)
                inner_role = self.role(inner)
                # A literal says nothing about its meaning (`batch_size = 64`): the name does.
                if inner_role not in (ScaleRole.OTHER, ScaleRole.CONSTANT):
                    return inner_role
        word = _last_word(expr)
        if word in catalog.WORLD_SIZE_NAMES or catalog.is_world_size_function(dotted_name(_callee(expr)) or ""):
            return ScaleRole.WORLD_SIZE
        if word in self.accumulation_names:
            return ScaleRole.ACCUMULATION
        if word in self.batch_size_names:
            return ScaleRole.BATCH_SIZE
        if self.resolver.value(where).number is not None:
            return ScaleRole.CONSTANT  # a known number with a name that says nothing more
        return ScaleRole.OTHER

    def counts_mask(self, where: Where, depth: int = 0) -> bool:
        """`mask.sum()`, `(y != pad).sum().float()`, a name bound to one: the ones of a mask of
        this batch (its valid elements)."""
        expr = where.expr
        while (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
               and expr.func.attr.value in TENSOR.count_conversions | TENSOR.transparent):
            expr = expr.func.value
        if isinstance(expr, (cst.Name, cst.Attribute)):
            binding = self.resolver.lookup(expr, where.scope, where.position)
            if depth > MAX_DEPTH or binding is None or binding.kind != "assign" or binding.value is None:
                return False
            return self.counts_mask(Where(binding.value, binding.scope, binding.position), depth + 1)
        if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
                and expr.func.attr.value in TENSOR.mask_counts):
            return False
        return self.role(Where(expr.func.value, where.scope, where.position)) is ScaleRole.MASK

    def batch_scaling(self, where: Where) -> str | None:
        """"div"/"mul" when the expression (through its names) divides/multiplies by the batch size."""
        return self.scaling(where, (ScaleRole.BATCH_SIZE, ScaleRole.BATCH_LENGTH))

    def world_scaling(self, where: Where) -> str | None:
        """"div"/"mul" when the expression divides/multiplies by the world size (`lr * world_size`,
        `global_batch // dist.get_world_size()`)."""
        return self.scaling(where, (ScaleRole.WORLD_SIZE,))

    def scaling(self, where: Where, roles: tuple[ScaleRole, ...], depth: int = 0) -> str | None:
        """"mul" when the expression is a product with a factor of one of `roles` (through names and
        nested products), "div" when it divides by one; None otherwise."""
        expr = where.expr
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, (cst.Name, cst.Attribute)):
            binding = self.resolver.lookup(expr, where.scope, where.position)
            if binding is None or binding.kind != "assign" or binding.value is None:
                return None
            # Every assignment of the scope that may reach here (`s = W if a else 1`, then
            # `if b: s = other`): one that scales is enough to say the value follows the role.
            reaching = [b for b in self.resolver.index.bindings.get((binding.scope, binding.target), [binding])
                        if b.kind == "assign" and b.value is not None and b.position <= binding.position]
            found = [self._as_factor(Where(b.value, b.scope, b.position), roles, depth) for b in reaching or [binding]]
            return "mul" if "mul" in found else next((f for f in found if f), None)
        if (isinstance(expr, cst.Call) and len(expr.args) == 1
                and dotted_name(expr.func) in catalog.BUILTINS.number_casts):
            return self.scaling(Where(expr.args[0].value, where.scope, where.position), roles, depth + 1)  # int(b / W)
        if isinstance(expr, cst.IfExp):  # `hvd.size() if not adasum else 1`: either branch may scale
            branches = [self._as_factor(Where(e, where.scope, where.position), roles, depth) for e in (expr.body, expr.orelse)]
            return "mul" if "mul" in branches else next((b for b in branches if b), None)
        if not isinstance(expr, cst.BinaryOperation) or not isinstance(
                expr.operator, (cst.Multiply, cst.Divide, cst.FloorDivide)):
            return None
        # Each side once: a chain of products is walked in linear time.
        left, right = (Where(side, where.scope, where.position) for side in (expr.left, expr.right))
        right_scaling = self._as_factor(right, roles, depth)
        if not isinstance(expr.operator, cst.Multiply):
            return "div" if right_scaling == "mul" else self.scaling(left, roles, depth + 1)
        left_scaling = self._as_factor(left, roles, depth)
        return "mul" if "mul" in (left_scaling, right_scaling) else right_scaling or left_scaling

    def _as_factor(self, where: Where, roles: tuple[ScaleRole, ...], depth: int) -> str | None:
        """The scaling of an operand: "mul" when it is itself one of `roles` (`hvd.size()`)."""
        return "mul" if self.role(where) in roles else self.scaling(where, roles, depth + 1)

    def batch_power(self, where: Where, depth: int = 0) -> int:
        """p when the expression is proportional to B^p (see ScaleOp.batch_power), else 0."""
        expr = where.expr
        if depth > MAX_DEPTH or isinstance(expr, (cst.Integer, cst.Float)):
            return 0
        role = self.role(where)
        if role in (ScaleRole.BATCH_SIZE, ScaleRole.BATCH_LENGTH):
            return 1
        if role is ScaleRole.BATCH_RATIO:
            return 0
        if isinstance(expr, (cst.Name, cst.Attribute)):
            binding = self.resolver.lookup(expr, where.scope, where.position)
            if binding is not None and binding.kind == "assign" and binding.value is not None:
                return self.batch_power(Where(binding.value, binding.scope, binding.position), depth + 1)
            return 0
        if isinstance(expr, cst.Call) and dotted_name(expr.func) in catalog.BUILTINS.number_casts and len(expr.args) == 1:
            return self.batch_power(Where(expr.args[0].value, where.scope, where.position), depth + 1)
        if not isinstance(expr, cst.BinaryOperation):
            return 0
        left = self.batch_power(Where(expr.left, where.scope, where.position), depth + 1)
        right = self.batch_power(Where(expr.right, where.scope, where.position), depth + 1)
        if isinstance(expr.operator, cst.Multiply):
            return left + right
        if isinstance(expr.operator, cst.Divide):
            return left - right
        if isinstance(expr.operator, (cst.Add, cst.Subtract)):
            # `B - 1`: B and a constant. Two powers of B added (`B * B + B`) are not one power.
            constants = [isinstance(side, (cst.Integer, cst.Float)) for side in (expr.left, expr.right)]
            return left + right if any(constants) else 0
        return 0

    def _is_batch_count(self, where: Where) -> bool:
        """`len(train_loader)`: the length of a data loader counts its batches, not samples."""
        expr = where.expr
        if not (isinstance(expr, cst.Call) and dotted_name(expr.func) == catalog.BUILTINS.length
                and len(expr.args) == 1):
            return False
        return self._is_loader(Where(expr.args[0].value, where.scope, where.position))

    def _is_count(self, expr: cst.BaseExpression) -> bool:
        """x.size(0), x.shape[0], len(y), y.numel(), mask.sum(): a count taken from this batch."""
        if isinstance(expr, cst.Call):
            if dotted_name(expr.func) == catalog.BUILTINS.length:
                return True
            if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in TENSOR.counts:
                return True
            if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in TENSOR.count_conversions:
                return self._is_count(expr.func.value)
        if isinstance(expr, cst.Subscript):
            base = expr.value
            if isinstance(base, cst.Attribute) and base.attr.value == TENSOR.shape_attribute:
                return True
            if (isinstance(base, cst.Call) and isinstance(base.func, cst.Attribute)
                    and base.func.attr.value == TENSOR.size_method):
                return True
        return False


def _last_word(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        index = expr.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            text = index.value.evaluated_value
            return text if isinstance(text, str) else None
    if isinstance(expr, cst.Call) and dotted_name(expr.func) in catalog.BUILTINS.number_casts and expr.args:
        return _last_word(expr.args[0].value)
    return None


def _callee(expr: cst.BaseExpression) -> cst.BaseExpression:
    return expr.func if isinstance(expr, cst.Call) else expr
