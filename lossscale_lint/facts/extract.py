"""Build a module's `ModuleFacts` from one walk over its LibCST tree."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from lossscale_lint.facts import catalog
from lossscale_lint.facts.flow import FlowTracer
from lossscale_lint.facts.index import CallSite, CodeIndex, build_index
from lossscale_lint.facts.model import (
    AccumulationGuard,
    BackwardSite,
    BatchSizeSource,
    ClipSite,
    FrameworkDivision,
    LossSite,
    ModuleFacts,
    OptimizerSite,
    StepSite,
)
from lossscale_lint.facts.resolve import Resolver, Where
from lossscale_lint.facts.sites import SiteBuilder, keyword, positional


def _dict_entry(node: cst.Dict, key: str) -> cst.BaseExpression | None:
    for element in node.elements:
        if (isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
                and element.key.evaluated_value == key):
            return element.value
    return None


def _method(call: cst.Call) -> str | None:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def _receiver(call: cst.Call) -> cst.BaseExpression | None:
    return call.func.value if isinstance(call.func, cst.Attribute) else None


class Extractor:
    def __init__(self, index: CodeIndex, path: str, batch_size_names, accumulation_names, project=None) -> None:
        self.index = index
        self.path = path
        # The other modules of the project (`facts.project.ProjectLink`); None: this file alone.
        self.project = project
        self.resolver = Resolver(index, project)
        self.batch_size_names = catalog.BATCH_SIZE_NAMES | frozenset(batch_size_names)
        self.accumulation_names = catalog.ACCUMULATION_NAMES | frozenset(accumulation_names)
        self.losses: dict[int, LossSite] = {}  # filled below; the tracer reads it when tracing
        self.tracer = FlowTracer(self.resolver, self.losses, self.batch_size_names, self.accumulation_names)
        self.sites = SiteBuilder(self.resolver, self.tracer.batch_scaling)
        self.qualified = {id(c.node): self.resolver.qualified(c.node.func) or "" for c in index.calls}
        self.optimizers: dict[int, OptimizerSite] = {}
        self.loaders = {}
        self.accelerators = {}
        for call in index.calls:
            name = self.qualified[id(call.node)]
            if (loss := self.sites.loss(call, name)) is not None:
                self.losses[id(call.node)] = loss
            elif (optimizer := self.sites.optimizer(call, name)) is not None:
                self.optimizers[id(call.node)] = optimizer
            elif name in catalog.DATALOADER_NAMES:
                self.loaders[id(call.node)] = self.sites.dataloader(call)
            elif name in catalog.ACCELERATOR_NAMES:
                self.accelerators[id(call.node)] = self.sites.accelerator(call)

    def site_of(self, table: str, node: cst.Call):
        """The site `node` made, from this module's `table` ("optimizers", "loaders", ...) or,
        for a call in another module of the project (a factory), from that module's."""
        found = getattr(self, table).get(id(node))
        if found is None and self.project is not None:
            found = next((getattr(a, table)[id(node)] for a in self.project.analyses()
                          if id(node) in getattr(a, table)), None)
        return found

    # -- the pieces around a backward call ------------------------------------------------------
    def optimizer_of(self, expr: cst.BaseExpression, call: CallSite) -> OptimizerSite | None:
        where = Where(expr, call.scope, call.position)
        site, _ = self.resolver.origin_call(where)
        if site is not None:
            return self.site_of("optimizers", site.node)
        binding = self.resolver.lookup(expr, call.scope, call.position)
        # A parameter of a function nobody in this module calls: with a single optimizer in the
        # module, that is the one it steps.
        if (binding is not None and binding.kind == "param" and len(self.optimizers) == 1
                and not self.resolver.callers(binding.scope)):
            return next(iter(self.optimizers.values()))
        return None

    def _looks_like_optimizer(self, expr: cst.BaseExpression, call: CallSite) -> bool:
        """A step target we cannot resolve but whose name says it is an optimizer."""
        word = (expr.attr.value if isinstance(expr, cst.Attribute)
                else expr.value if isinstance(expr, cst.Name) else "").lower()
        return ("optim" in word or word in ("opt", "opt_g", "opt_d")) and "sched" not in word

    def step_after(self, backward: CallSite) -> tuple[CallSite, cst.BaseExpression] | None:
        candidates = []
        for call in self.index.calls:
            if call.scope != backward.scope or _method(call.node) != "step":
                continue
            args = positional(call.node)
            receiver = _receiver(call.node)
            target = args[0] if len(args) == 1 else (receiver if not call.node.args else None)
            if target is None:
                continue
            candidates.append((call, target))
        candidates = [c for c in candidates
                      if self.optimizer_of(c[1], c[0]) or self._looks_like_optimizer(c[1], c[0])]
        after = [c for c in candidates if c[0].position > backward.position]
        before = [c for c in candidates if c[0].position < backward.position]
        if after:
            return after[0]
        return before[-1] if before and backward.loops else None

    def guard_of(self, step: CallSite, backward: CallSite) -> AccumulationGuard | None:
        micro_loop = self._micro_batch_loop(step, backward)
        if micro_loop is not None:
            return micro_loop
        # A condition around the backward call as well gates whole iterations, not accumulation.
        shared = [test for test, _ in backward.guards] + list(backward.skip_guards)
        tests = [test for test, taken in step.guards if taken] + list(step.skip_guards)
        tests = [test for test in tests if not any(test is other for other in shared)]
        for test in reversed(tests):
            modulo = self._find_modulo(test, step)
            if modulo is not None:
                steps = self.resolver.value(Where(modulo.right, step.scope, step.position))
                if steps.number == 1:
                    return None
                return AccumulationGuard(steps=steps, span=self.index.span(test))
        return None

    def _micro_batch_loop(self, step: CallSite, backward: CallSite) -> AccumulationGuard | None:
        """`for micro_step in range(K): ... backward()` followed by one step after the loop."""
        if not backward.loops or step.position < backward.position:
            return None
        loop = backward.loops[-1]
        if any(loop is outer for outer in step.loops) or not isinstance(loop, cst.For):
            return None
        iterator = loop.iter
        if not (isinstance(iterator, cst.Call) and isinstance(iterator.func, cst.Name)
                and iterator.func.value == "range" and len(iterator.args) == 1):
            return None
        steps = self.resolver.value(Where(iterator.args[0].value, backward.scope, backward.position))
        if steps.number == 1:
            return None
        return AccumulationGuard(steps=steps, span=self.index.span(iterator))

    def _find_modulo(self, test: cst.BaseExpression, call: CallSite, depth: int = 0):
        found = []

        class Finder(cst.CSTVisitor):
            def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
                if isinstance(node.operator, cst.Modulo):
                    found.append(node)

        test.visit(Finder())
        if found:
            return found[0]
        if isinstance(test, cst.Name) and depth < 3:  # `if should_step:` with the flag set earlier
            binding = self.resolver.lookup(test, call.scope, call.position)
            if binding is not None and binding.kind == "assign" and binding.value is not None:
                return self._find_modulo(binding.value, call, depth + 1)
        return None

    def clips_in(self, scope: int) -> tuple[ClipSite, ...]:
        clips = []
        for call in self.index.calls:
            if call.scope != scope:
                continue
            name = self.qualified[id(call.node)]
            function = catalog.CLIP_FUNCTIONS.get(name)
            if function is None and _method(call.node) in ("clip_grad_norm_", "clip_grad_value_"):
                receiver = self.resolver.qualified(_receiver(call.node)) or ""
                if not receiver.startswith("torch"):  # accelerator.clip_grad_norm_, fabric...
                    function = _method(call.node)
            if function is not None:
                clips.append(self.sites.clip(call, function))
        return tuple(clips)

    def backward(self, call: CallSite) -> BackwardSite | None:
        node = call.node
        if _method(node) not in ("backward", "manual_backward") or call.in_no_grad:
            return None
        receiver = _receiver(node)
        args = positional(node)
        accelerator = None
        if _method(node) == "manual_backward" and args:
            kind, value = "lightning_manual", args[0]
        elif not args and isinstance(receiver, cst.Call) and _method(receiver) == "scale":
            scale_args = positional(receiver)
            if len(scale_args) != 1:
                return None
            kind, value = "amp_scaler", scale_args[0]
        elif not args and receiver is not None:
            kind, value = "tensor", receiver
        elif args and receiver is not None:
            site, qualified = self.resolver.origin_call(Where(receiver, call.scope, call.position))
            if site is not None and self.site_of("accelerators", site.node) is not None:
                kind, accelerator = "accelerate", self.site_of("accelerators", site.node)
            elif qualified and qualified.endswith("Fabric"):
                kind = "fabric"
            elif qualified and qualified.startswith("deepspeed"):
                kind = "deepspeed"
            else:
                kind = "other"
            value = args[0]
        else:
            return None
        flow = self.tracer.flow(Where(value, call.scope, call.position))
        step = None
        found = self.step_after(call)
        if found is not None:
            step_call, target = found
            divisors = tuple(
                self.resolver.value(Where(divisor, scope, call.position))
                for scope, divisor in self.index.grad_divisions
                if scope == call.scope
            )
            step = StepSite(
                span=self.index.span(step_call.node),
                optimizer=self.optimizer_of(target, step_call),
                guard=self.guard_of(step_call, call),
                grad_divisors=divisors,
            )
        return BackwardSite(
            dataloader=self.dataloader_of(call),
            kind=kind,
            span=self.index.span(node),
            scope=self.index.scopes[call.scope].name,
            flow=flow,
            value_source=self.index.code(value),
            value_span=self.index.span(value),
            accelerator=accelerator,
            framework_division=self._accelerate_division(accelerator),
            step=step,
            clips=self.clips_in(call.scope),
        )

    def dataloader_of(self, call: CallSite):
        """The DataLoader iterated by the loops around `call` (through enumerate/tqdm wrappers)."""
        for loop in reversed(call.loops):
            if not isinstance(loop, cst.For):
                continue
            iterator = loop.iter
            while (isinstance(iterator, cst.Call) and iterator.args
                   and (self.resolver.qualified(iterator.func) or "").split(".")[-1] in ("enumerate", "tqdm", "iter")):
                iterator = iterator.args[0].value
            site, _ = self.resolver.origin_call(Where(iterator, call.scope, call.position))
            if site is not None and self.site_of("loaders", site.node) is not None:
                return self.site_of("loaders", site.node)
        return None

    def batch_sizes(self) -> list[BatchSizeSource]:
        sources = []
        for dest, (flag, where, _line) in self.resolver.argparse_defaults.items():
            if dest in self.batch_size_names:
                sources.append(BatchSizeSource(kind="argparse", name=flag, value=self.resolver.value(where)))
        for (scope, name), bindings in self.index.bindings.items():
            if scope == 0 and name in self.batch_size_names and len(bindings) == 1 and bindings[0].kind == "assign":
                value = self.resolver.value(Where(bindings[0].value, 0, bindings[0].position))
                if value.known:
                    sources.append(BatchSizeSource(kind="constant", name=name, value=value))
        sources += self._imported_batch_sizes()
        for loader in self.loaders.values():
            if loader.batch_size is not None and loader.batch_size.known:
                sources.append(BatchSizeSource(kind="dataloader", name="DataLoader(batch_size=...)", value=loader.batch_size))
        return sources

    def _imported_batch_sizes(self) -> list[BatchSizeSource]:
        """`from config import BATCH_SIZE`: a batch size constant of another project module."""
        if self.project is None:
            return []
        sources = []
        names = [*self.index.imports, *self.index.relative_imports]
        for name in names:
            found = self.resolver.imported(cst.Name(name), 0) if name in self.batch_size_names else None
            bound = found[0].resolver.module_binding(found[1]) if found else None
            if bound is None:
                continue
            other = found[0]
            value = other.resolver.value(bound[1])
            if value.known:
                origin = f"{value.origin or f'{found[1]} = {value.source} (line {bound[0].position[0]})'} in {other.index.path}"
                sources.append(BatchSizeSource(kind="constant", name=name, value=replace(value, origin=origin)))
        return sources

    def _accelerate_division(self, accelerator) -> FrameworkDivision | None:
        if accelerator is None or accelerator.gradient_accumulation_steps is None:
            return None
        return FrameworkDivision(framework="accelerate", steps=accelerator.gradient_accumulation_steps,
                                 span=accelerator.span)

    def _lightning_division(self) -> FrameworkDivision | None:
        """`Trainer(accumulate_grad_batches=K)`, when every Trainer in the module agrees on K."""
        found = []
        for call in self.index.calls:
            if not self.qualified[id(call.node)].endswith(".Trainer"):
                continue
            argument = keyword(call.node, "accumulate_grad_batches")
            if argument is None:
                continue
            steps = self.resolver.value(Where(argument.value, call.scope, call.position))
            found.append(FrameworkDivision(framework="lightning", steps=steps, span=self.index.span(call.node)))
        return found[0] if found and all(f.steps.canonical == found[0].steps.canonical for f in found) else None

    def lightning_backwards(self) -> list[BackwardSite]:
        """The loss a LightningModule's `training_step` returns: Lightning calls backward on it."""
        sites = []
        for scope in self.index.scopes:
            if scope.kind != "class" or not any(
                (self.resolver.qualified(base) or "").endswith("LightningModule") for base in scope.bases
            ):
                continue
            step_scope = self.index.functions.get((scope.id, "training_step"))
            if step_scope is None:
                continue
            optimizer = None
            configure = self.index.functions.get((scope.id, "configure_optimizers"))
            if configure is not None and len(self.index.scopes[configure].returns) == 1:
                returned = self.index.scopes[configure].returns[0]
                site, _ = self.resolver.origin_call(Where(returned, configure, self.index.start(returned)))
                optimizer = self.optimizers.get(id(site.node)) if site is not None else None
            for returned in self.index.scopes[step_scope].returns:
                value = _dict_entry(returned, "loss") if isinstance(returned, cst.Dict) else returned
                if value is None:
                    continue
                where = Where(value, step_scope, self.index.start(returned))
                sites.append(BackwardSite(
                    kind="lightning",
                    span=self.index.span(returned),
                    scope=self.index.scopes[step_scope].name,
                    flow=self.tracer.flow(where),
                    value_source=self.index.code(value),
                    value_span=self.index.span(value),
                    framework_division=self._lightning_division(),
                    step=StepSite(span=self.index.span(returned), optimizer=optimizer) if optimizer else None,
                ))
        return sites

    def facts(self) -> ModuleFacts:
        backwards = [b for call in self.index.calls if (b := self.backward(call)) is not None]
        backwards += self.lightning_backwards()
        return ModuleFacts(
            path=self.path,
            losses=tuple(self.losses.values()),
            backwards=tuple(backwards),
            optimizers=tuple(self.optimizers.values()),
            dataloaders=tuple(self.loaders.values()),
            accelerators=tuple(self.accelerators.values()),
            batch_sizes=tuple(self.batch_sizes()),
        )


def extract_facts(module: cst.Module, path: str, *, batch_size_names=(), accumulation_names=(), project=None) -> ModuleFacts:
    """`project`: a `facts.project.ProjectLink` for this file, to follow imports of its modules."""
    index = build_index(module)
    if project is not None:
        project.register(index, project.importer)
    return Extractor(index, path, batch_size_names, accumulation_names, project).facts()
