"""The single walk over a module's syntax tree.

`build_index` walks the LibCST tree once (a read-only `facts.walk.Walker`) and records what the
analysis needs later: scopes, imports, bindings (assignments in source order), every call with the
conditions and loops around it, and function returns. Everything after this works on the index, never on a second walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from lossscale_lint.diagnostics import Span
from lossscale_lint.facts import catalog
from lossscale_lint.facts.padding import IgnoredTargetClues
from lossscale_lint.facts.walk import Walker

MODULE_SCOPE = 0


@dataclass
class Scope:
    id: int
    name: str  # qualified: "Trainer.train_step", "<module>"
    kind: str  # "module" | "function" | "class"
    parent: int | None
    class_scope: int | None = None  # for methods: the scope of their class
    params: list[str] = field(default_factory=list)
    returns: list[cst.BaseExpression] = field(default_factory=list)
    bases: list[cst.BaseExpression] = field(default_factory=list)


@dataclass
class Binding:
    """One assignment to a name (or `self.attr`) in a scope."""

    target: str
    scope: int
    position: tuple[int, int]
    kind: str  # "assign" | "aug" | "param" | "loop" | "unpack" | "with"
    value: cst.BaseExpression | None
    node: cst.CSTNode
    operator: str | None = None  # for "aug": "/", "*", "+", "-"
    index: int = 0  # for "unpack": the position of the target in the tuple
    count: int = 0  # for "unpack": the number of targets


@dataclass
class SiteContext:
    """Where a call or statement stands: its scope and position, and the control flow around it."""

    scope: int
    position: tuple[int, int]
    # The `if` conditions around it, innermost last, each with the branch taken.
    guards: tuple[tuple[cst.BaseExpression, bool], ...]
    # Conditions of earlier `if ...: continue` statements in the enclosing loop.
    skip_guards: tuple[cst.BaseExpression, ...]
    loops: tuple[cst.CSTNode, ...]
    in_no_grad: bool


@dataclass
class CallSite(SiteContext):
    node: cst.Call


@dataclass
class StatementSite(SiteContext):
    """An augmented assignment (`p.grad /= K`), with the same context a `CallSite` records."""

    node: cst.AugAssign


@dataclass
class CodeIndex:
    module: cst.Module
    positions: dict
    scopes: list[Scope]
    imports: dict[str, str]  # local name -> qualified name
    bindings: dict[tuple[int, str], list[Binding]]
    calls: list[CallSite]
    functions: dict[tuple[int, str], int]  # (parent scope, name) -> scope id
    # Assignments and expression statements that are the only statement on their line(s), keyed
    # by id(): a fix may delete such a line whole instead of leaving `loss = loss` behind, or
    # insert a line before it.
    sole_statements: dict[int, cst.SimpleStatementLine] = field(default_factory=dict)
    # Every augmented assignment with the context around it: in-place gradient scaling
    # (`p.grad /= K`) and manual parameter updates (`p.data -= lr * p.grad`) are read from these.
    augmented: list[StatementSite] = field(default_factory=list)
    # Relative imports (`from .losses import vae_loss`): local name -> (level, module, name).
    relative_imports: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    # For another module of the project read to follow an import: its path as reported (spans
    # made here carry it). None for the file being checked.
    path: str | None = None
    # The attribute names used anywhere in the module (`accelerator.is_main_process`): evidence of
    # what a script is written for, read by name only.
    attribute_names: set[str] = field(default_factory=set)
    # Assignments to attributes the bindings do not track (`args.batch_size = int(args.batch_size /
    # ngpus)`): the target as written, the value, and where (scope, position).
    attribute_assignments: list[tuple[str, cst.BaseExpression, int, tuple[int, int]]] = field(default_factory=list)
    # Clues that targets take the default ignore index (`facts/padding.py`): (kind, node).
    ignored_target_clues: list[tuple[str, cst.CSTNode]] = field(default_factory=list)

    def span(self, node: cst.CSTNode) -> Span:
        code_range: CodeRange = self.positions[node]
        return Span(
            line=code_range.start.line,
            column=code_range.start.column + 1,
            end_line=code_range.end.line,
            end_column=code_range.end.column + 1,
            path=self.path,
        )

    def start(self, node: cst.CSTNode) -> tuple[int, int]:
        code_range: CodeRange = self.positions[node]
        return (code_range.start.line, code_range.start.column)

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node).strip()


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`torch.nn.functional` for an Attribute chain of Names, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _import_name(node: cst.BaseExpression) -> str:
    return dotted_name(node) or ""


def _is_no_grad(item: cst.WithItem) -> bool:
    expr = item.item
    if isinstance(expr, cst.Call):
        expr = expr.func
    return catalog.is_no_grad_context(dotted_name(expr) or "")


def _ends_with_continue(suite: cst.BaseSuite) -> bool:
    body = suite.body
    if isinstance(suite, cst.SimpleStatementSuite):
        return any(isinstance(s, cst.Continue) for s in body)
    if not body:
        return False
    last = body[-1]
    return isinstance(last, cst.SimpleStatementLine) and any(
        isinstance(s, cst.Continue) for s in last.body
    )


class _Collector(Walker):
    def __init__(self, index: CodeIndex) -> None:
        super().__init__()
        self.index = index
        self.scope_stack = [MODULE_SCOPE]
        self.guards: list[tuple[cst.BaseExpression, bool]] = []
        self.loops: list[cst.CSTNode] = []
        self.skip_guards: list[list[cst.BaseExpression]] = [[]]
        self.no_grad_depth = 0
        self.ignored_targets = IgnoredTargetClues()

    # -- scopes ---------------------------------------------------------------------------
    @property
    def scope(self) -> int:
        return self.scope_stack[-1]

    def _push_scope(self, name: str, kind: str) -> Scope:
        parent = self.index.scopes[self.scope]
        qualified = name if parent.kind == "module" else f"{parent.name}.{name}"
        class_scope = parent.id if (kind == "function" and parent.kind == "class") else None
        scope = Scope(len(self.index.scopes), qualified, kind, parent.id, class_scope)
        self.index.scopes.append(scope)
        self.index.functions[(parent.id, name)] = scope.id
        self.scope_stack.append(scope.id)
        return scope

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        scope = self._push_scope(node.name.value, "class")
        scope.bases = [arg.value for arg in node.bases]

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scope_stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        scope = self._push_scope(node.name.value, "function")
        params = node.params
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        scope.params = [p.name.value for p in every]
        for param in every:
            self._bind(param.name.value, param, "param", param.default)
        # Conditions and loops outside a function do not guard the calls inside it.
        self.saved = getattr(self, "saved", [])
        self.saved.append((self.guards, self.loops, self.skip_guards, self.no_grad_depth))
        self.guards, self.loops, self.skip_guards, self.no_grad_depth = [], [], [[]], 0

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.guards, self.loops, self.skip_guards, self.no_grad_depth = self.saved.pop()
        self.scope_stack.pop()

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.index.scopes[self.scope].returns.append(node.value)

    # -- bindings -------------------------------------------------------------------------
    def _target_key(self, target: cst.BaseExpression) -> tuple[int, str] | None:
        if isinstance(target, cst.Name):
            return (self.scope, target.value)
        if (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
        ):
            class_scope = self.index.scopes[self.scope].class_scope
            if class_scope is not None:
                return (class_scope, f"self.{target.attr.value}")
        return None

    def _bind(self, name: str, node: cst.CSTNode, kind: str, value, **extra) -> None:
        self._bind_key((self.scope, name), node, kind, value, **extra)

    def _bind_key(self, key, node, kind, value, **extra) -> None:
        binding = Binding(key[1], key[0], self.index.start(node), kind, value, node, **extra)
        self.index.bindings.setdefault(key, []).append(binding)

    def _bind_target(self, target: cst.BaseExpression, node, kind, value, **extra) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements]
            for i, element in enumerate(elements):
                self._bind_target(element, node, "unpack", value, index=i, count=len(elements))
            return
        key = self._target_key(target)
        if key is not None:
            self._bind_key(key, target, kind, value, **extra)
        elif isinstance(target, cst.Attribute) and kind == "assign" and (dotted := dotted_name(target)):
            self.index.attribute_assignments.append((dotted, value, self.scope, self.index.start(target)))

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if len(node.body) == 1 and isinstance(node.body[0], (cst.Assign, cst.AugAssign, cst.Expr)):
            self.index.sole_statements[id(node.body[0])] = node

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind_target(target.target, node, "assign", node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target, node, "assign", node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        operator = node.operator.__class__.__name__.replace("Assign", "")
        symbol = {"Divide": "/", "Multiply": "*", "Add": "+", "Subtract": "-"}.get(operator)
        self.index.augmented.append(StatementSite(node=node, **self._context(node)))
        self._bind_target(node.target, node, "aug", node.value, operator=symbol)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, node, "assign", node.value)

    # -- control flow -------------------------------------------------------------------------
    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, node, "loop", node.iter)
        self.loops.append(node)
        self.skip_guards.append([])

    def leave_For(self, original_node: cst.For) -> None:
        self.loops.pop()
        self.skip_guards.pop()

    def visit_While(self, node: cst.While) -> None:
        self.loops.append(node)
        self.skip_guards.append([])

    def leave_While(self, original_node: cst.While) -> None:
        self.loops.pop()
        self.skip_guards.pop()

    def visit_If(self, node: cst.If) -> bool:
        self.walk(node.test)
        self.guards.append((node.test, True))
        self.walk(node.body)
        self.guards.pop()
        if node.orelse is not None:
            self.guards.append((node.test, False))
            self.walk(node.orelse)
            self.guards.pop()
        if self.loops and _ends_with_continue(node.body):
            # Everything after `if cond: continue` in this loop runs only when cond is false.
            self.skip_guards[-1].append(node.test)
        return False

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            if item.asname is not None:
                self._bind_target(item.asname.name, item, "with", item.item)
        if any(_is_no_grad(item) for item in node.items):
            self.no_grad_depth += 1

    def leave_With(self, original_node: cst.With) -> None:
        if any(_is_no_grad(item) for item in original_node.items):
            self.no_grad_depth -= 1

    # -- imports and calls ----------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _import_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.index.imports[alias.asname.name.value] = full
            else:
                top = full.split(".")[0]
                self.index.imports[top] = top

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative and not isinstance(node.names, cst.ImportStar):
            module = _import_name(node.module) if node.module is not None else ""
            for alias in node.names:
                name = _import_name(alias.name)
                local = name
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                self.index.relative_imports[local] = (len(node.relative), module, name)
            return
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        base = _import_name(node.module)
        for alias in node.names:
            name = _import_name(alias.name)
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.index.imports[local] = f"{base}.{name}"

    def _context(self, node: cst.CSTNode) -> dict:
        """The `SiteContext` fields for a node visited now."""
        return dict(
            scope=self.scope,
            position=self.index.start(node),
            guards=tuple(self.guards),
            skip_guards=tuple(self.skip_guards[-1]) if self.loops else (),
            loops=tuple(self.loops),
            in_no_grad=self.no_grad_depth > 0,
        )

    def visit_Call(self, node: cst.Call) -> None:
        self.index.calls.append(CallSite(node=node, **self._context(node)))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.index.attribute_names.add(node.attr.value)
    # -- clues that targets take the default ignore index (facts/padding.py) ---------------------
    def visit_Name(self, node: cst.Name) -> None:
        self.ignored_targets.name(node)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        self.ignored_targets.unary(node)


def build_index(module: cst.Module, path: str | None = None) -> CodeIndex:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    # `wrapper.resolve` also walks the whole tree once for "batchable" providers even when there
    # are none, which costs ~40% of the position computation; PositionProvider needs no other
    # provider, so it is generated directly (same mapping; measured in benchmarks/, issue 6).
    try:
        positions = PositionProvider()._gen(wrapper)
    except AttributeError:  # `_gen` is LibCST-internal: take the public path if it ever goes
        positions = wrapper.resolve(PositionProvider)
    index = CodeIndex(
        module=module,
        positions=positions,
        scopes=[Scope(MODULE_SCOPE, "<module>", "module", None)],
        imports={},
        bindings={},
        calls=[],
        functions={},
        path=path,
    )
    collector = _Collector(index)
    collector.walk(module)
    index.ignored_target_clues = collector.ignored_targets.clues
    return index
