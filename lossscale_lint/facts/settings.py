"""Runtime settings: values the user of a script chooses when running it (a command-line option,
an environment variable, a config object, a function parameter with a default). Their default is
one value among those the script runs with, so a rule that needs K > 1 must not read the default
as the only value. A mixin of `facts.resolve.Resolver`; nothing here runs the code it reads.
"""

from __future__ import annotations

import libcst as cst

from lossscale_lint.facts import catalog
from lossscale_lint.facts.catalog.python import SETTING_READERS
from lossscale_lint.facts.index import Binding, dotted_name
from lossscale_lint.facts.model import RuntimeSetting
from lossscale_lint.facts.walk import Walker
from lossscale_lint.facts.where import MAX_DEPTH, Where


class SettingReaders:
    def setting(self, where: Where, depth: int = 0) -> RuntimeSetting | None:
        """The runtime setting `where` reads (through casts and plain aliases), else None."""
        if depth > MAX_DEPTH or self.owner(where) is not self:
            return None
        expr = _without_casts(where.expr)
        here = Where(expr, where.scope, where.position)
        if isinstance(expr, cst.Call):
            return self._environment_get(here)
        if isinstance(expr, cst.Subscript):
            if self.qualified(expr.value) == SETTING_READERS.environment_mapping:
                return RuntimeSetting(kind="environment", name=_string(_subscript_key(expr)) or self.index.code(expr))
            return self._config_read(here, depth)
        if isinstance(expr, cst.Attribute) and self.self_attribute(expr, where.scope) is None:
            return self._attribute_setting(here, depth)
        if isinstance(expr, (cst.Name, cst.Attribute)):  # a name, or `self.k` set in another method
            binding = self.lookup(expr, where.scope, where.position)
            if binding is None:
                return None
            if binding.kind == "param":
                return self._parameter_setting(binding)
            if binding.kind == "assign" and binding.value is not None:  # `k = args.k`, `self.k = k`
                scope = self._assigning_method(binding) if binding.target.startswith("self.") else binding.scope
                if scope is None:
                    return None
                return self.setting(Where(binding.value, scope, binding.position), depth + 1)
        return None

    def _assigning_method(self, binding: Binding) -> int | None:
        """The method that runs `self.k = k` (the index keys `self.` bindings by their class): the
        one method of the class whose own name `k` is bound before that line, if just one is."""
        if not isinstance(binding.value, cst.Name):
            return None
        methods = [scope.id for scope in self.index.scopes if scope.class_scope == binding.scope and any(
            b.position <= binding.position for b in self.index.bindings.get((scope.id, binding.value.value), []))]
        return methods[0] if len(methods) == 1 else None

    # -- environment variables ----------------------------------------------------------------
    def _environment_get(self, where: Where) -> RuntimeSetting | None:
        call = where.expr
        if self.qualified(call.func) not in SETTING_READERS.environment_getters or not call.args:
            return None
        name = _string(call.args[0].value)
        if name is None:
            return None
        default = None
        if len(call.args) > 1:
            default, _ = self._static(Where(call.args[1].value, where.scope, where.position), 1)
            default = _as_number(default)
        return RuntimeSetting(kind="environment", name=name, default=default)

    # -- attributes: argparse results, namespaces, dataclass fields, config objects -------------
    def _attribute_setting(self, where: Where, depth: int) -> RuntimeSetting | None:
        expr = where.expr
        if isinstance(expr.value, cst.Name):
            made = self.origin(Where(expr.value, where.scope, where.position))
            if made is not None and self.owner(made) is self and isinstance(made.expr, cst.Call):
                found = self._made_setting(made, expr.attr.value, self.index.code(expr))
                if found is not None:
                    return found
        return self._config_read(where, depth)

    def _made_setting(self, made: Where, field: str, read: str) -> RuntimeSetting | None:
        """A field of an object made by a call: `parse_args()`, `SimpleNamespace(k=1)`, `Config()`."""
        call = made.expr
        method = call.func.attr.value if isinstance(call.func, cst.Attribute) else None
        if method in catalog.ARGPARSE.parse_methods:
            declared = self.argparse_defaults.get(field)
            if declared is None:
                return RuntimeSetting(kind="argparse", name=f"--{field.replace('_', '-')}")
            flag, default_where, _line = declared
            return RuntimeSetting(kind="argparse", name=flag, default=self._default_number(default_where))
        callee = self.qualified(call.func)
        if callee in SETTING_READERS.namespaces:
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == field:
                    default = self._default_number(Where(arg.value, made.scope, made.position))
                    return RuntimeSetting(kind="config", name=read, default=default)
            return None
        class_default = self._dataclass_field(call.func, made.scope, field)
        if class_default is not None:
            class_name, default = class_default
            for arg in call.args:  # `Config(grad_accum=4)` overrides the field's default
                if arg.keyword is not None and arg.keyword.value == field:
                    default = self._default_number(Where(arg.value, made.scope, made.position))
            return RuntimeSetting(kind="config", name=f"{class_name}.{field}", default=default)
        return None

    def _dataclass_field(self, func: cst.BaseExpression, scope: int, field: str):
        """(class name, default) of `field` in a dataclass defined in this module, else None."""
        if not isinstance(func, cst.Name):
            return None
        for node in self._dataclasses().get(func.value, ()):
            for statement in node.body.body:
                for small in getattr(statement, "body", ()):
                    if (isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name)
                            and small.target.value == field):
                        value = small.value
                        if isinstance(value, cst.Call) and self.qualified(value.func) in SETTING_READERS.dataclass_fields:
                            value = next((a.value for a in value.args if a.keyword is not None
                                          and a.keyword.value == SETTING_READERS.default_keyword), None)
                        default = self._default_number(Where(value, 0, self.index.start(small))) if value else None
                        return func.value, default
        return None

    def _dataclasses(self) -> dict[str, list[cst.ClassDef]]:
        if not hasattr(self, "_dataclass_nodes"):
            found: dict[str, list[cst.ClassDef]] = {}
            for statement in self.index.module.body:
                if isinstance(statement, cst.ClassDef) and any(
                    self._decorator_name(d) in SETTING_READERS.dataclass_decorators for d in statement.decorators
                ):
                    found.setdefault(statement.name.value, []).append(statement)
            self._dataclass_nodes = found
        return self._dataclass_nodes

    def _config_read(self, where: Where, depth: int) -> RuntimeSetting | None:
        """`cfg.train.grad_accum`, `config["k"]`: a read from a config object made outside the code
        (a loader call, `parse_args_into_dataclasses()`, or a parameter nobody here passes)."""
        root = where.expr
        while isinstance(root, (cst.Attribute, cst.Subscript)):
            root = root.value
        if not isinstance(root, cst.Name) or root.value == "self" or root is where.expr:
            return None
        binding = self.lookup(root, where.scope, where.position)
        if binding is None:
            return None
        name = "".join(self.index.code(where.expr).split())
        if binding.kind == "param":
            made = self.origin(Where(root, where.scope, where.position))
            if made is None and binding.value is None:  # nobody in this module says what it holds
                return RuntimeSetting(kind="config", name=name)
            return None
        value = binding.value
        if binding.kind == "unpack" and isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and value.func.attr.value in SETTING_READERS.dataclass_parse_methods:
            return RuntimeSetting(kind="config", name=name, default=self._parsed_dataclass_default(binding, where.expr))
        if binding.kind == "assign" and isinstance(value, cst.Call):
            if self.qualified(value.func) in SETTING_READERS.config_loaders:
                return RuntimeSetting(kind="config", name=name)
        return None

    def _parsed_dataclass_default(self, binding: Binding, read: cst.BaseExpression):
        """`(args,) = HfArgumentParser((Args,)).parse_args_into_dataclasses()`; `args.k`: the
        default of the field `k` of `Args`, when the parser and the class are written here."""
        parser = binding.value.func.value
        if not (isinstance(read, cst.Attribute) and isinstance(read.value, cst.Name) and isinstance(parser, cst.Call)
                and parser.args and isinstance(parser.args[0].value, (cst.Tuple, cst.List))):
            return None
        classes = parser.args[0].value.elements
        if binding.index >= len(classes):
            return None
        found = self._dataclass_field(classes[binding.index].value, binding.scope, read.attr.value)
        return found[1] if found else None

    # -- function parameters ------------------------------------------------------------------
    def _parameter_setting(self, binding: Binding) -> RuntimeSetting | None:
        param = binding.node
        function = self._function_of_param().get(id(param))
        kind, name = "parameter", binding.target
        for decorator in function.decorators if function is not None else ():
            reader = _kind_of(self._decorator_name(decorator), SETTING_READERS.option_decorators)
            call = decorator.decorator
            if reader and isinstance(call, cst.Call) and _declares(call, binding.target):
                flags = [_string(a.value) for a in call.args if a.keyword is None]
                name = next((f for f in flags if f and f.startswith("--")), name)
                keyword = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
                default = keyword.get(SETTING_READERS.default_keyword)
                number = self._default_number(Where(default, binding.scope, binding.position)) if default else None
                return RuntimeSetting(kind=reader, name=name, default=number)
        default = binding.value
        if isinstance(default, cst.Call):
            reader = _kind_of(self.qualified(default.func), SETTING_READERS.option_defaults)
            if reader is None:
                return None
            given = [a.value for a in default.args if a.keyword is None][:1] + [
                a.value for a in default.args if a.keyword and a.keyword.value == SETTING_READERS.default_keyword]
            number = self._default_number(Where(given[0], binding.scope, binding.position)) if given else None
            return RuntimeSetting(kind=reader, name=f"--{name.replace('_', '-')}", default=number)
        if function is not None and (runner := self._command_runner(function)) is not None:
            kind, name = runner, f"--{name.replace('_', '-')}"
        elif default is None:
            return None  # a parameter without a default: its value is the caller's, not a setting
        number = self._default_number(Where(default, binding.scope, binding.position)) if default is not None else None
        return RuntimeSetting(kind=kind, name=name, default=number)

    def parameter_default(self, binding: Binding, depth: int):
        """(number, origin) of a parameter's default when no caller in this module passes the
        parameter explicitly, else (None, None): what callers pass decides."""
        if binding.value is None or binding.target not in self.index.scopes[binding.scope].params:
            return None, None
        for caller in self.callers(binding.scope):
            passed = self.passed_argument(caller, binding.scope, binding.target)
            if passed is not None:
                return None, None
        number, _ = self._static(Where(binding.value, binding.scope, binding.position), depth + 1)
        if number is None:
            return None, None
        return number, f"default of parameter {binding.target} (line {binding.position[0]})"

    def _command_runner(self, function: cst.FunctionDef) -> str | None:
        """The CLI reader (fire, typer) that runs `function` as a command, if one does here."""
        for call in self.index.calls:
            reader = _kind_of(self.qualified(call.node.func), SETTING_READERS.command_runners)
            if reader and any(isinstance(a.value, cst.Name) and a.value.value == function.name.value
                              for a in call.node.args):
                return reader
        return None

    def _function_of_param(self) -> dict[int, cst.FunctionDef]:
        if not hasattr(self, "_param_functions"):
            found: dict[int, cst.FunctionDef] = {}

            class Functions(Walker):  # read-only: LibCST's visitor would rebuild every node
                def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
                    params = node.params
                    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                        found[id(param)] = node

            Functions().walk(self.index.module)
            self._param_functions = found
        return self._param_functions

    def _decorator_name(self, decorator: cst.Decorator) -> str | None:
        target = decorator.decorator
        return self.qualified(target.func if isinstance(target, cst.Call) else target)

    def _default_number(self, where: Where):
        number, _ = self._static(where, 1)
        return _as_number(number)


def _without_casts(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`int(os.environ.get("K", 1))` reads the same setting as `os.environ.get("K", 1)`."""
    while (isinstance(expr, cst.Call) and dotted_name(expr.func) in catalog.BUILTINS.number_casts
           and len(expr.args) == 1):
        expr = expr.args[0].value
    return expr


def _string(expr: cst.BaseExpression | None) -> str | None:
    if isinstance(expr, cst.SimpleString) and isinstance(expr.evaluated_value, str):
        return expr.evaluated_value
    return None


def _subscript_key(expr: cst.Subscript) -> cst.BaseExpression | None:
    if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
        return expr.slice[0].slice.value
    return None


def _as_number(value):
    """Defaults read from the environment are strings: `"1"` is the number 1."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    return value


def _kind_of(name: str | None, table: dict[str, frozenset[str]]) -> str | None:
    return next((kind for kind, names in table.items() if name in names), None)


def _declares(call: cst.Call, parameter: str) -> bool:
    """Whether `@click.option("--grad-accum", "-k")` declares the parameter `grad_accum`."""
    names = [_string(a.value) for a in call.args if a.keyword is None]
    declared = {n.lstrip("-").replace("-", "_") for n in names if n}
    return parameter in declared
