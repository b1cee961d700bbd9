"""The resolver's questions about names imported from other modules of the checked project
(`facts.project`): which module and name an expression reads, the helper it calls there, and the
value of a constant defined there. A mixin of `facts.resolve.Resolver`; without a project every
answer is None, so a file that imports nothing from the project resolves exactly as alone.
"""

from __future__ import annotations

import libcst as cst

from lossscale_lint.facts.index import MODULE_SCOPE
from lossscale_lint.facts.where import Where


class ProjectNames:
    def owner(self, where: Where) -> ProjectNames:
        """The resolver (a `facts.resolve.Resolver`) of the module `where` is read in."""
        if where.module is None or where.module is self.index or self.project is None:
            return self
        return self.project.analysis(where.module).resolver

    def imported(self, expr: cst.BaseExpression, scope: int):
        """(Extractor, name) when `expr` names something imported from another project module
        and not bound in this one; None otherwise (and always without a project)."""
        if self.project is None or not isinstance(expr, (cst.Name, cst.Attribute)):
            return None
        head = expr
        while isinstance(head, cst.Attribute):
            head = head.value
        if not isinstance(head, cst.Name) or head.value == "self":
            return None
        if self.all_bindings(head, scope) or (MODULE_SCOPE, head.value) in self.index.bindings:
            return None  # assigned here: not (only) the import
        if isinstance(expr, cst.Name) and self.local_function(expr, scope) is not None:
            return None
        return self.project.imported(self.index, expr)

    def imported_function(self, func: cst.BaseExpression, scope: int):
        """(Extractor, scope id) of a function defined in another project module that `func` calls."""
        found = self.imported(func, scope)
        if found is None:
            return None
        other, name = found
        helper = other.index.functions.get((MODULE_SCOPE, name))
        if helper is None or other.index.scopes[helper].kind != "function":
            return None
        return other, helper

    def module_binding(self, name: str):
        """The last module-level assignment to `name` in this module, as a Where of its value."""
        bindings = self.index.bindings.get((MODULE_SCOPE, name), [])
        binding = bindings[-1] if bindings else None
        if binding is None or binding.kind != "assign" or binding.value is None:
            return None
        return binding, Where(binding.value, MODULE_SCOPE, binding.position)

    def imported_value(self, expr: cst.BaseExpression, scope: int, depth: int):
        """(number, origin) of a constant imported from another project module."""
        found = self.imported(expr, scope)
        if found is None:
            return None, None
        other, name = found
        bound = other.resolver.module_binding(name)
        if bound is None:
            return None, None
        binding, value = bound
        number, origin = other.resolver._static(value, depth + 1)
        if number is None:
            return None, None
        written = f"{name} = {other.index.code(binding.value)} (line {binding.position[0]})"
        return number, f"{origin or written} in {other.index.path}"
