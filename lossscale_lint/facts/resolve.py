"""Questions answered on the code index: what a name refers to, where a value was made, and
what a value is when it is statically known. Nothing here executes or evaluates user code; the
only arithmetic is on literals the parser already read.
"""

from __future__ import annotations

import builtins
import math

import libcst as cst

from lossscale_lint.facts import catalog
from lossscale_lint.facts.index import Binding, CallSite, CodeIndex, dotted_name
from lossscale_lint.facts.model import Value
from lossscale_lint.facts.resolve_imports import ProjectNames
from lossscale_lint.facts.settings import SettingReaders
from lossscale_lint.facts.where import MAX_DEPTH, Where, arrived  # noqa: F401 - MAX_DEPTH, Where re-exported


class Resolver(ProjectNames, SettingReaders):
    def __init__(self, index: CodeIndex, project=None) -> None:
        self.index = index
        # The other modules of the project (`facts.project.ProjectLink`); None: this file alone.
        self.project = project
        self.argparse_defaults = self._collect_argparse_defaults()

    # -- names ------------------------------------------------------------------------------
    def qualified(self, expr: cst.BaseExpression) -> str | None:
        """`nn.CrossEntropyLoss` -> `torch.nn.CrossEntropyLoss`, through the module's imports."""
        name = dotted_name(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head in self.index.imports:
            full = self.index.imports[head]
            return f"{full}.{rest}" if rest else full
        return name

    def self_attribute(self, expr: cst.BaseExpression, scope: int) -> tuple[int, str] | None:
        """(class scope, attribute name) for `self.attr` read inside a method, else None."""
        if (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and expr.value.value == "self"
            and self.index.scopes[scope].class_scope is not None
        ):
            return self.index.scopes[scope].class_scope, expr.attr.value
        return None

    def binding_key(self, expr: cst.BaseExpression, scope: int) -> tuple[int, str] | None:
        if isinstance(expr, cst.Name):
            return (scope, expr.value)
        attribute = self.self_attribute(expr, scope)
        return (attribute[0], f"self.{attribute[1]}") if attribute else None

    def lookup(self, expr: cst.BaseExpression, scope: int, position) -> Binding | None:
        """The assignment that the name in `expr` reads at `position` (last one before it)."""
        key = self.binding_key(expr, scope)
        if key is None:
            return None
        bindings = self.index.bindings.get(key, [])
        if key[1].startswith("self."):
            # Attributes are set in one method and read in another: any assignment counts,
            # the last one in the same method before the read first.
            here = [b for b in bindings if b.position < position]
            return (here or bindings or [None])[-1]
        before = [b for b in bindings if b.position < position]
        if before:
            return before[-1]
        if bindings:  # read before any assignment in this scope: not ours to guess
            return None
        parent = self.index.scopes[scope].parent
        while parent is not None:
            outer = self.index.bindings.get((parent, key[1]))
            if outer:
                return outer[-1]
            parent = self.index.scopes[parent].parent
        return None

    def all_bindings(self, expr: cst.BaseExpression, scope: int) -> list[Binding]:
        key = self.binding_key(expr, scope)
        return list(self.index.bindings.get(key, [])) if key else []

    def local_function(self, func: cst.BaseExpression, scope: int, aliased: bool = True) -> int | None:
        """The scope of a helper defined in this module that `func` calls, if any; through one
        alias assigned once (`loss = squared_loss`, as d2l writes it)."""
        if isinstance(func, cst.Name):
            current: int | None = scope
            while current is not None:
                found = self.index.functions.get((current, func.value))
                if found is not None and self.index.scopes[found].kind == "function":
                    return found
                current = self.index.scopes[current].parent
            bindings = self.all_bindings(func, scope) if aliased else []
            if len(bindings) == 1 and bindings[0].kind == "assign" and isinstance(bindings[0].value, cst.Name):
                return self.local_function(bindings[0].value, bindings[0].scope, aliased=False)
            return None
        attribute = self.self_attribute(func, scope)
        return self.index.functions.get(attribute) if attribute else None

    # -- where a value was made -------------------------------------------------------------
    def origin(self, where: Where, depth: int = 0) -> Where | None:
        """Follow names, `self.` attributes, helper returns and `prepare()` wrappers back to the
        expression that produced the value (usually a constructor call)."""
        if depth > MAX_DEPTH:
            return None
        owner = self.owner(where)
        if owner is not self:
            return arrived(owner.origin(where, depth), owner.index)
        expr = where.expr
        if self.project is not None and (found := self.imported(expr, where.scope)) is not None:
            other, name = found
            bound = other.resolver.module_binding(name)
            return arrived(other.resolver.origin(bound[1], depth + 1), other.index) if bound else None
        if isinstance(expr, (cst.Name, cst.Attribute)) and self.binding_key(expr, where.scope):
            binding = self.lookup(expr, where.scope, where.position)
            if binding is not None and binding.kind == "param":
                return self._origin_of_param(binding, depth)
            if binding is None or binding.value is None or binding.kind in ("aug", "loop"):
                return None
            scope = binding.scope
            if binding.kind == "unpack":
                return self._origin_of_unpacked(binding, scope, depth)
            return self.origin(Where(binding.value, scope, binding.position), depth + 1)
        if isinstance(expr, cst.Call):
            helper = self.local_function(expr.func, where.scope)
            if helper is not None:
                returns = self.index.scopes[helper].returns
                if len(returns) == 1:
                    ret = returns[0]
                    return self.origin(Where(ret, helper, self.index.start(ret)), depth + 1)
                return None
            if self.project is not None and (found := self.imported_function(expr.func, where.scope)):
                other, helper = found
                returns = other.index.scopes[helper].returns
                if len(returns) == 1:  # a factory in another module: `build_optimizer(model)`
                    ret = Where(returns[0], helper, other.index.start(returns[0]))
                    return arrived(other.resolver.origin(ret, depth + 1), other.index)
                return None
            same = catalog.SAME_OBJECT_CALLS.get(_method_name(expr) or "")
            positional = [a.value for a in expr.args if a.keyword is None and not a.star]
            if same is not None and ((same.returns_receiver and len(expr.args) <= 1)
                                     or (same.returns_argument and len(positional) <= 1)):
                # `model.to(device)` and `accelerator.prepare(opt)` return the same object
                # (keywords such as `hvd.DistributedOptimizer(opt, op=hvd.Sum)` do not change which).
                inner = positional[0] if same.returns_argument and positional else None
                target = inner if inner is not None else expr.func.value  # type: ignore[attr-defined]
                return self.origin(Where(target, where.scope, where.position), depth + 1)
        return where

    def callers(self, function_scope: int) -> list[CallSite]:
        """The calls in this module that call the helper defined as `function_scope`."""
        if not hasattr(self, "_callers"):
            self._callers: dict[int, list[CallSite]] = {}
            for call in self.index.calls:
                target = self.local_function(call.node.func, call.scope)
                if target is not None:
                    self._callers.setdefault(target, []).append(call)
        return self._callers.get(function_scope, [])

    def passed_argument(self, caller: CallSite, function_scope: int, parameter: str):
        """What `caller` passes for `parameter` (the default when it passes nothing)."""
        scope = self.index.scopes[function_scope]
        index = scope.params.index(parameter)
        if scope.class_scope is not None and isinstance(caller.node.func, cst.Attribute):
            index -= 1  # `self.method(a)` binds `a` to the parameter after `self`
        for i, arg in enumerate(caller.node.args):
            if arg.star:
                return None  # *args / **kwargs: we cannot tell what lands where
            if arg.keyword is not None and arg.keyword.value == parameter:
                return Where(arg.value, caller.scope, caller.position)
            if arg.keyword is None and i == index:
                return Where(arg.value, caller.scope, caller.position)
        return None

    def _origin_of_param(self, binding: Binding, depth: int) -> Where | None:
        """A parameter's origin: what every caller in this module passes, when they all agree."""
        if binding.target not in self.index.scopes[binding.scope].params:
            return None
        found: list[Where] = []
        for caller in self.callers(binding.scope):
            passed = self.passed_argument(caller, binding.scope, binding.target)
            if passed is None and binding.value is not None:
                passed = Where(binding.value, binding.scope, binding.position)
            origin = self.origin(passed, depth + 1) if passed is not None else None
            if origin is None:
                return None
            found.append(origin)
        if found and all(o.expr is found[0].expr for o in found):
            return found[0]
        return None

    def _origin_of_unpacked(self, binding: Binding, scope: int, depth: int) -> Where | None:
        value = binding.value
        same = catalog.SAME_OBJECT_CALLS.get(_method_name(value) or "") if isinstance(value, cst.Call) else None
        if same is not None and same.unpacks_arguments:
            positional = [a.value for a in value.args if a.keyword is None]
            if len(positional) == binding.count and binding.index < len(positional):
                return self.origin(Where(positional[binding.index], scope, binding.position), depth + 1)
        if isinstance(value, (cst.Tuple, cst.List)) and binding.index < len(value.elements):
            element = value.elements[binding.index].value
            return self.origin(Where(element, scope, binding.position), depth + 1)
        return None

    def origin_call(self, where: Where) -> tuple[CallSite | None, str | None]:
        """The constructor call that made the value and its qualified callee name."""
        found = self.origin(where)
        if found is None or not isinstance(found.expr, cst.Call):
            return None, None
        owner = self.owner(found)
        return owner.call_site(found.expr), owner.qualified(found.expr.func)

    def call_site(self, node: cst.Call) -> CallSite | None:
        return self._call_sites().get(id(node))

    def _call_sites(self) -> dict[int, CallSite]:
        if not hasattr(self, "_by_node"):
            self._by_node = {id(c.node): c for c in self.index.calls}
        return self._by_node

    # -- static values ----------------------------------------------------------------------
    def value(self, where: Where) -> Value:
        owner = self.owner(where)
        if owner is not self:
            return owner.value(where)
        number, origin = self._static(where, 0)
        return Value(
            source=self.index.code(where.expr),
            span=self.index.span(where.expr),
            value=number,
            origin=origin,
            canonical=self.canonical(where),
            setting=self.setting(where),
        )

    def canonical(self, where: Where, depth: int = 0) -> str:
        owner = self.owner(where)
        if owner is not self:
            return owner.canonical(where, depth)
        expr = where.expr
        if depth < MAX_DEPTH and isinstance(expr, (cst.Name, cst.Attribute)):
            binding = self.lookup(expr, where.scope, where.position)
            if binding is not None and binding.kind == "assign" and isinstance(
                binding.value, (cst.Name, cst.Attribute, cst.Subscript)
            ):
                scope = binding.scope
                return self.canonical(Where(binding.value, scope, binding.position), depth + 1)
        return "".join(self.index.code(expr).split())

    def _static(self, where: Where, depth: int):
        expr = where.expr
        if depth > MAX_DEPTH:
            return None, None
        owner = self.owner(where)
        if owner is not self:
            return owner._static(where, depth)
        if isinstance(expr, (cst.Integer, cst.Float)):
            return expr.evaluated_value, None
        if isinstance(expr, cst.SimpleString):
            return expr.evaluated_value, None
        if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
            return expr.value == "True", None
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            inner, origin = self._static(Where(expr.expression, where.scope, where.position), depth + 1)
            return (-inner if _is_number(inner) else None), origin
        if isinstance(expr, cst.BinaryOperation):
            left, lo = self._static(Where(expr.left, where.scope, where.position), depth + 1)
            right, ro = self._static(Where(expr.right, where.scope, where.position), depth + 1)
            return _arithmetic(expr.operator, left, right), lo or ro
        cast = dotted_name(expr.func) if isinstance(expr, cst.Call) else None
        if cast in catalog.BUILTINS.number_casts and len(expr.args) == 1:
            inner, origin = self._static(Where(expr.args[0].value, where.scope, where.position), depth + 1)
            if _is_number(inner):
                return _NUMBER_CASTS[cast](inner), origin
            return None, None
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            parsed = self.origin(Where(expr.value, where.scope, where.position))
            if parsed is not None and self.owner(parsed) is self and _is_parse_args(parsed.expr):
                default = self.argparse_defaults.get(expr.attr.value)
                if default is not None:
                    option, value_where, line = default
                    number, _ = self._static(value_where, depth + 1)
                    if number is not None:
                        return number, f"argparse default of {option} (line {line})"
                return None, None
        if isinstance(expr, cst.Subscript):
            return self._static_subscript(where, depth)
        if isinstance(expr, (cst.Name, cst.Attribute)):
            binding = self.lookup(expr, where.scope, where.position)
            if binding is not None and binding.kind == "assign" and binding.value is not None:
                scope = binding.scope
                number, origin = self._static(Where(binding.value, scope, binding.position), depth + 1)
                if number is not None and origin is None:
                    origin = f"{binding.target} = {self.index.code(binding.value)} (line {binding.position[0]})"
                return number, origin
            if binding is not None and binding.kind == "param":
                return self.parameter_default(binding, depth)
            if binding is None and self.project is not None:
                return self.imported_value(expr, where.scope, depth)
        return None, None

    def _static_subscript(self, where: Where, depth: int):
        expr = where.expr
        assert isinstance(expr, cst.Subscript)
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return None, None
        key, _ = self._static(Where(expr.slice[0].slice.value, where.scope, where.position), depth + 1)
        container = self.origin(Where(expr.value, where.scope, where.position))
        if not isinstance(key, str) or container is None or not isinstance(container.expr, cst.Dict):
            return None, None
        if self.owner(container) is not self:
            return None, None  # a dict in another module: not followed (yet)
        for element in container.expr.elements:
            if isinstance(element, cst.DictElement):
                element_key, _ = self._static(Where(element.key, container.scope, container.position), depth + 1)
                if element_key == key:
                    number, _ = self._static(Where(element.value, container.scope, container.position), depth + 1)
                    line = self.index.start(element)[0]
                    return number, f"{self.index.code(expr.value)}[{key!r}] (line {line})"
        return None, None

    def _collect_argparse_defaults(self) -> dict[str, tuple[str, Where, int]]:
        defaults: dict[str, tuple[str, Where, int]] = {}
        for call in self.index.calls:
            if _method_name(call.node) != catalog.ARGPARSE.declare_method:
                continue
            options = [a.value for a in call.node.args if a.keyword is None]
            flags = [o.evaluated_value for o in options if isinstance(o, cst.SimpleString)]
            long_flags = [f for f in flags if isinstance(f, str) and f.startswith("--")]
            keywords = {a.keyword.value: a.value for a in call.node.args if a.keyword is not None}
            default, dest_given = keywords.get(catalog.ARGPARSE.default_keyword), keywords.get(catalog.ARGPARSE.dest_keyword)
            if default is None or not (long_flags or flags):
                continue
            flag = (long_flags or flags)[0]
            dest = flag.lstrip("-").replace("-", "_")
            if isinstance(dest_given, cst.SimpleString):
                dest = dest_given.evaluated_value
            defaults[dest] = (flag, Where(default, call.scope, call.position), call.position[0])
        return defaults


def _method_name(call: cst.Call) -> str | None:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def _is_parse_args(value: cst.BaseExpression | None) -> bool:
    return isinstance(value, cst.Call) and _method_name(value) in catalog.ARGPARSE.parse_methods


# What `int(x)` / `float(x)` make of a known number, by the cast's name.
_NUMBER_CASTS = {cast: getattr(builtins, cast) for cast in catalog.BUILTINS.number_casts}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _arithmetic(operator: cst.BaseBinaryOp, left, right):
    if not (_is_number(left) and _is_number(right)):
        return None
    try:
        if isinstance(operator, cst.Add):
            return left + right
        if isinstance(operator, cst.Subtract):
            return left - right
        if isinstance(operator, cst.Multiply):
            return left * right
        if isinstance(operator, cst.Divide):
            return left / right
        if isinstance(operator, cst.FloorDivide):
            return left // right
        if isinstance(operator, cst.Power) and abs(right) <= 64 and abs(left) <= 1e6:
            result = left**right
            return result if isinstance(result, (int, float)) and math.isfinite(result) else None
    except (ZeroDivisionError, OverflowError):
        return None
    return None
