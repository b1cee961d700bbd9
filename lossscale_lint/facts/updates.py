"""Build the update sites: where gradients of a loss are made, scaled, clipped and applied.

Which calls run backward, how they treat the loss, which calls step, clip or scale gradients: all
of it comes from the catalog (`facts/catalog/`). This module only follows the data flow between
those calls; the written shapes of manual updates and gradient scaling are in `facts/gradients.py`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fnmatch import fnmatchcase

import libcst as cst

from lossscale_lint.diagnostics import Span
from lossscale_lint.facts import catalog, gradients
from lossscale_lint.facts.catalog.records import AutomaticUpdate, BackwardCall
from lossscale_lint.facts.dead_divisions import DeadDivisionFinder
from lossscale_lint.facts.index import CallSite, StatementSite
from lossscale_lint.facts.manual_steps import ManualSteps
from lossscale_lint.facts.model import (
    AmpScaling,
    AccumulationGuard,
    ClipSite,
    FrameworkDivision,
    OptimizerSite,
    ScaleOp,
    StepSite,
    UpdateSite,
    Value,
)
from lossscale_lint.facts.catalog.records import AccumulationDivision, LossAt
from lossscale_lint.facts.resolve import Where
from lossscale_lint.facts.windows import describe_window
from lossscale_lint.facts.sites import keyword, positional

# A loop that runs the micro-batches of one step: `for micro_step in range(K)` (Python itself).
_COUNTING_LOOP = catalog.BUILTINS.counter


def _method(call: cst.Call) -> str | None:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def _receiver(call: cst.Call) -> cst.BaseExpression | None:
    return call.func.value if isinstance(call.func, cst.Attribute) else None


def _matches(qualified: str | None, patterns: tuple[str, ...]) -> bool:
    return qualified is not None and any(fnmatchcase(qualified, pattern) for pattern in patterns)


def _switched(call: cst.Call, switch: str) -> bool | None:
    """Whether the division stays on with `switch=` passed: on when absent or a literal True, off
    with a literal False, unknown otherwise (`scale_wrt_gas=flag`)."""
    argument = keyword(call, switch)
    if argument is None:
        return True
    value = argument.value
    return {"True": True, "False": False}.get(value.value) if isinstance(value, cst.Name) else None


def _dict_entry(node: cst.Dict, key: str) -> cst.BaseExpression | None:
    for element in node.elements:
        if (isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
                and element.key.evaluated_value == key):
            return element.value
    return None


@dataclass(frozen=True)
class _Step:
    """A place that applies gradients, found before it is paired with a backward call."""

    site: CallSite | StatementSite
    kind: str
    optimizer: OptimizerSite | None


class UpdateBuilder:
    """Pairs each backward call with its step, guard, gradient scaling and clipping."""

    def __init__(self, extractor) -> None:
        self.x = extractor  # the Extractor: index, resolver, tracer and the sites it collected
        self.index = extractor.index
        self.resolver = extractor.resolver
        # Steps only matter next to a backward call: other functions are not searched.
        self.backward_scopes = {c.scope for c in self.index.calls if _method(c.node) in catalog.BACKWARD_METHODS}
        self.dead_divisions = DeadDivisionFinder(extractor)
        self.manual = ManualSteps(extractor)
        self._clips: dict[int, tuple[ClipSite, ...]] = {}
        self._source_lines: list[str] | None = None
        self._scales: dict[int, list] = {}
        self.steps_by_scope: dict[int, list[_Step]] = {}
        for step in self._steps():
            self.steps_by_scope.setdefault(step.site.scope, []).append(step)

    def _value(self, expr: cst.BaseExpression, site) -> Value:
        return self.x.sites.value_at(Where(expr, site.scope, site.position))

    # -- steps ----------------------------------------------------------------------------------
    def optimizer_of(self, expr: cst.BaseExpression, call: CallSite) -> OptimizerSite | None:
        optimizers = self.x.optimizers
        site, _ = self.resolver.origin_call(Where(expr, call.scope, call.position))
        if site is not None:
            return self.x.site_of("optimizers", site.node)
        binding = self.resolver.lookup(expr, call.scope, call.position)
        # A parameter of a function nobody in this module calls: with a single optimizer in the
        # module, that is the one it steps.
        if (binding is not None and binding.kind == "param" and len(optimizers) == 1
                and not self.resolver.callers(binding.scope)):
            return next(iter(optimizers.values()))
        return None

    @staticmethod
    def _looks_like_optimizer(expr: cst.BaseExpression) -> bool:
        """A step target we cannot resolve but whose name says it is an optimizer."""
        word = (expr.attr.value if isinstance(expr, cst.Attribute)
                else expr.value if isinstance(expr, cst.Name) else "").lower()
        return ((any(w in word for w in catalog.OPTIMIZER_NAME_WORDS) or word in catalog.OPTIMIZER_NAMES)
                and not any(w in word for w in catalog.NOT_OPTIMIZER_WORDS))

    def _maker(self, expr: cst.BaseExpression, call: CallSite) -> tuple[CallSite | None, str, int]:
        """The call that made the object `expr` names, its qualified name, and which of the values
        it returns the object is (0 unless unpacked: `engine, opt, _, _ = deepspeed.initialize(...)`)."""
        site, qualified = self.resolver.origin_call(Where(expr, call.scope, call.position))
        if site is not None or qualified:
            return site, qualified or "", 0
        binding = self.resolver.lookup(expr, call.scope, call.position)
        if binding is not None and binding.kind == "unpack" and isinstance(binding.value, cst.Call):
            return None, self.resolver.qualified(binding.value.func) or "", binding.index
        return None, "", 0

    def _is_engine(self, expr: cst.BaseExpression, call: CallSite) -> bool:
        """An engine that steps itself: the first value an engine factory returns."""
        _, qualified, position = self._maker(expr, call)
        return position == 0 and _matches(qualified, catalog.ENGINE_FACTORIES)

    def _steps(self):
        for call in self.index.calls:
            if call.scope not in self.backward_scopes:
                continue
            node = call.node
            if _method(node) in catalog.STEP_METHODS:
                args = positional(node)
                target = args[0] if len(args) == 1 else (_receiver(node) if not node.args else None)
                if target is None:
                    continue
                optimizer = self.optimizer_of(target, call)
                if optimizer is not None or self._looks_like_optimizer(target):
                    yield _Step(call, "optimizer", optimizer)
                elif not node.args and self._is_engine(target, call):
                    yield _Step(call, "engine", None)
        for scope in self.backward_scopes:
            for site, optimizer in self.manual.steps_in(scope):
                yield _Step(site, "manual", optimizer)

    def step_after(self, backward: CallSite) -> _Step | None:
        candidates = self.steps_by_scope.get(backward.scope, [])
        after = [c for c in candidates if c.site.position > backward.position]
        before = [c for c in candidates if c.site.position < backward.position]
        if after:
            return min(after, key=lambda c: c.site.position)
        return max(before, key=lambda c: c.site.position) if before and backward.loops else None

    # -- accumulation guards --------------------------------------------------------------------
    def guard_of(self, step, backward: CallSite) -> AccumulationGuard | None:
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
                if steps.fixed_at_one:  # a setting of default 1 may be run with K > 1
                    return None
                guard = AccumulationGuard(steps=steps, span=self.index.span(test))
                return describe_window(guard, modulo, test, step, backward, self)
        return None

    def _micro_batch_loop(self, step, backward: CallSite) -> AccumulationGuard | None:
        """`for micro_step in range(K): ... backward()` followed by one step after the loop."""
        if not backward.loops or step.position < backward.position:
            return None
        loop = backward.loops[-1]
        if any(loop is outer for outer in step.loops) or not isinstance(loop, cst.For):
            return None
        iterator = loop.iter
        if not (isinstance(iterator, cst.Call) and isinstance(iterator.func, cst.Name)
                and iterator.func.value == _COUNTING_LOOP and len(iterator.args) == 1):
            return None
        steps = self.resolver.value(Where(iterator.args[0].value, backward.scope, backward.position))
        if steps.fixed_at_one:  # a setting of default 1 may be run with K > 1
            return None
        return AccumulationGuard(steps=steps, span=self.index.span(iterator))

    def _find_modulo(self, test: cst.BaseExpression, site, depth: int = 0):
        found = []

        class Finder(cst.CSTVisitor):
            def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
                if isinstance(node.operator, cst.Modulo):
                    found.append(node)

        test.visit(Finder())
        if found:
            return found[0]
        if isinstance(test, cst.Name) and depth < 3:  # `if should_step:` with the flag set earlier
            binding = self.resolver.lookup(test, site.scope, site.position)
            if binding is not None and binding.kind == "assign" and binding.value is not None:
                return self._find_modulo(binding.value, site, depth + 1)
        return None

    # -- clipping and gradient scaling ----------------------------------------------------------
    def clips_in(self, scope: int) -> tuple[ClipSite, ...]:
        # Every backward call of a function shares its clips: found once per function, else a
        # file with thousands of backward calls would scan all its calls for each (quadratic).
        if scope not in self._clips:
            found = (self._clip(call) for call in self.index.calls if call.scope == scope)
            self._clips[scope] = tuple(clip for clip in found if clip is not None)
        return self._clips[scope]

    def amp_scaling(self, backward: CallSite, step: _Step | None) -> AmpScaling | None:
        """The scaler of `scaler.scale(loss).backward()`, its `unscale_` calls and what it steps."""
        scaled = _receiver(backward.node)
        scaler = _receiver(scaled) if isinstance(scaled, cst.Call) else None
        if scaler is None:
            return None
        written = self.index.code(scaler)
        unscales = tuple(self.index.span(c.node) for c in self.index.calls
                         if c.scope == backward.scope and _method(c.node) == catalog.AMP_UNSCALE_METHOD
                         and self.index.code(_receiver(c.node)) == written)
        stepped = None
        by_this_scaler = [c for c in self.index.calls if c.scope == backward.scope and _method(c.node) in catalog.STEP_METHODS
                          and _receiver(c.node) is not None and self.index.code(_receiver(c.node)) == written]
        # One optimizer stepped by this scaler: unscaling it is unscaling every gradient clipped.
        if step is not None and len(by_this_scaler) == 1 and by_this_scaler[0] is step.site:
            arguments = positional(step.site.node)
            stepped = self.index.code(arguments[0]) if len(arguments) == 1 else None
        return AmpScaling(scaler=written, unscales=unscales, stepped_optimizer=stepped)

    def _line_of(self, call: CallSite) -> tuple[Span | None, str]:
        """Where a line goes before the statement that is this call, and its indentation."""
        statement = next((line for line in self.index.sole_statements.values()
                          if isinstance(line.body[0], (cst.Expr, cst.Assign)) and line.body[0].value is call.node), None)
        if statement is None:
            return None, ""
        span = self.index.span(statement)
        if self._source_lines is None:
            self._source_lines = self.index.module.code.splitlines()
        text = self._source_lines[span.line - 1]
        indent = text[: len(text) - len(text.lstrip(" \t"))]
        return dataclasses.replace(span, column=1, end_line=span.line, end_column=1), indent

    def _clip(self, call: CallSite) -> ClipSite | None:
        function = catalog.CLIP_FUNCTIONS.get(self.x.qualified[id(call.node)])
        if function is None and _method(call.node) in catalog.CLIP_METHODS:
            receiver = self.resolver.qualified(_receiver(call.node)) or ""
            if not _matches(receiver, catalog.CLIP_METHOD_RECEIVERS_EXCLUDED):
                function = _method(call.node)  # accelerator.clip_grad_norm_, fabric...
        if function is None:
            return None
        line_start, indent = self._line_of(call)
        return dataclasses.replace(self.x.sites.clip(call, function), line_start=line_start, indent=indent)

    def gradient_scale(self, backward: CallSite, step: _Step | None) -> tuple[ScaleOp, ...]:
        """In-place scaling of gradients in the backward's function, between it and the step (or
        anywhere in that function when the step comes first, as in a loop that steps on top)."""
        end = step.site.position if step is not None and step.site.position > backward.position else None

        def between(site) -> bool:
            return site.scope == backward.scope and (
                end is None or backward.position < site.position < end)

        found = [(scale, site) for scale, site in self._gradient_scales(backward.scope) if between(site)]
        found.sort(key=lambda pair: pair[1].position)
        return tuple(self._scale_op(scale, site) for scale, site in found)

    def _gradient_scales(self, scope: int) -> list[tuple[gradients.GradientScale, object]]:
        """Every in-place gradient scaling in one function, found once (see `clips_in`)."""
        if scope in self._scales:
            return self._scales[scope]
        found = []
        for statement in self.index.augmented:
            if statement.scope == scope and (scale := gradients.gradient_scale_statement(statement.node)):
                found.append((scale, statement))
        for call in self.index.calls:
            if call.scope != scope:
                continue
            recognised = gradients.gradient_scale_call(call.node, self.x.qualified[id(call.node)])
            if recognised is None:
                continue
            scale, grads = recognised
            if grads is not None:  # `torch._foreach_div_(grads, K)`: grads must be gradients
                origin = self.resolver.origin(Where(grads, call.scope, call.position))
                if not gradients.mentions_gradients(origin.expr if origin is not None else grads):
                    continue
            found.append((scale, call))
        self._scales[scope] = found
        return found

    def _scale_op(self, scale: gradients.GradientScale, site) -> ScaleOp:
        where = Where(scale.factor, site.scope, site.position)
        return ScaleOp(op=scale.op, factor=self.resolver.value(where), role=self.x.tracer.role(where),
                       span=self.index.span(site.node), scope=self.index.scopes[site.scope].name)

    # -- backward calls -------------------------------------------------------------------------
    def _classify(self, call: CallSite) -> tuple[BackwardCall, cst.BaseExpression, CallSite | None] | None:
        """The catalog record of a backward call, the loss it backpropagates and the call that
        made its receiver."""
        node = call.node
        receiver, args = _receiver(node), positional(node)
        if receiver is None:
            return None
        made_by, made_by_name = None, None
        for record in catalog.BACKWARD_CALLS:
            if record.method != _method(node):
                continue
            if record.loss_at is LossAt.ARGUMENT:
                if not args:
                    continue
                loss = args[0]
            elif args:
                continue
            elif record.loss_at is LossAt.SCALED_RECEIVER:
                if not (isinstance(receiver, cst.Call) and _method(receiver) == record.scale_method):
                    continue
                scale_args = positional(receiver)
                if len(scale_args) != 1:
                    return None
                loss = scale_args[0]
            else:
                loss = receiver
            if record.receiver_made_by:
                if made_by_name is None:
                    made_by, made_by_name, _ = self._maker(receiver, call)
                if not _matches(made_by_name, record.receiver_made_by):
                    continue
            return record, loss, made_by
        return None

    def backward(self, call: CallSite) -> UpdateSite | None:
        if call.in_no_grad or _method(call.node) not in catalog.BACKWARD_METHODS:
            return None
        classified = self._classify(call)
        if classified is None:
            return None
        record, value, made_by = classified
        accelerator = self.x.site_of("accelerators", made_by.node) if made_by is not None else None
        configured = accelerator.gradient_accumulation_steps if accelerator is not None else None
        divides = {AccumulationDivision.NEVER: False, AccumulationDivision.ALWAYS: True,
                   AccumulationDivision.UNKNOWN: None,
                   AccumulationDivision.WHEN_CONFIGURED: configured is not None}[record.divides_by_accumulation]
        if divides and record.division_switch is not None:
            divides = _switched(call.node, record.division_switch)
        division = None
        if record.divides_by_accumulation is AccumulationDivision.WHEN_CONFIGURED and configured is not None:
            division = self._division(record.kind, configured, accelerator.span)
        found = self.step_after(call)
        step = None
        if found is not None:
            step = StepSite(span=self.index.span(found.site.node), optimizer=found.optimizer,
                            guard=self.guard_of(found.site, call), kind=found.kind)
        steps = step.guard.steps if step is not None and step.guard is not None else None
        flow, periodic = self.dead_divisions.periodic(call, self.x.tracer.flow(Where(value, call.scope, call.position)), steps)
        dead = {op.span: op for op in (*periodic, *self.dead_divisions.find(call, flow, steps))}
        return UpdateSite(
            kind=record.kind,
            span=self.index.span(call.node),
            scope=self.index.scopes[call.scope].name,
            flow=flow,
            value_source=self.index.code(value),
            value_span=self.index.span(value),
            divides_by_accumulation=divides,
            loss_edit=record.loss_edit,
            accelerator=accelerator if record.divides_by_accumulation is AccumulationDivision.WHEN_CONFIGURED else None,
            framework_division=division,
            step=step,
            gradient_scale=self.gradient_scale(call, found),
            dead_divisions=tuple(sorted(dead.values(), key=lambda op: (op.span.line, op.span.column))),
            clips=self.clips_in(call.scope),
            amp=self.amp_scaling(call, found) if record.loss_at is LossAt.SCALED_RECEIVER else None,
            dataloader=self.x.dataloader_of(call),
        )

    def _division(self, kind: str, steps: Value, span) -> FrameworkDivision:
        words = catalog.DIVISION_WORDS[kind]
        return FrameworkDivision(framework=kind, steps=steps, span=span, who=words.who,
                                 configured_here=words.configured_here, steps_attributes=words.steps_attributes)

    # -- frameworks that run backward and step themselves ---------------------------------------
    def _configured_division(self, record: AutomaticUpdate) -> FrameworkDivision | None:
        """`Trainer(accumulate_grad_batches=K)`, when every Trainer in the module agrees on K."""
        found = []
        for call in self.index.calls:
            if not self.x.qualified[id(call.node)].endswith(record.trainer_suffixes):
                continue
            argument = keyword(call.node, record.accumulation_keyword)
            if argument is None:
                continue
            steps = self.resolver.value(Where(argument.value, call.scope, call.position))
            found.append(self._division(record.kind, steps, self.index.span(call.node)))
        return found[0] if found and all(f.steps.canonical == found[0].steps.canonical for f in found) else None

    def automatic(self, record: AutomaticUpdate) -> list[UpdateSite]:
        """The loss a LightningModule's `training_step` returns: Lightning calls backward on it."""
        sites = []
        for scope in self.index.scopes:
            if scope.kind != "class" or not any(
                (self.resolver.qualified(base) or "").endswith(record.base_class_suffixes) for base in scope.bases
            ):
                continue
            step_scope = self.index.functions.get((scope.id, record.step_method))
            if step_scope is None:
                continue
            optimizer = None
            configure = self.index.functions.get((scope.id, record.optimizers_method))
            if configure is not None and len(self.index.scopes[configure].returns) == 1:
                returned = self.index.scopes[configure].returns[0]
                site, _ = self.resolver.origin_call(Where(returned, configure, self.index.start(returned)))
                optimizer = self.x.site_of("optimizers", site.node) if site is not None else None
            division = self._configured_division(record)
            for returned in self.index.scopes[step_scope].returns:
                value = _dict_entry(returned, record.loss_key) if isinstance(returned, cst.Dict) else returned
                if value is None:
                    continue
                where = Where(value, step_scope, self.index.start(returned))
                sites.append(UpdateSite(
                    kind=record.kind,
                    span=self.index.span(returned),
                    scope=self.index.scopes[step_scope].name,
                    flow=self.x.tracer.flow(where),
                    value_source=self.index.code(value),
                    value_span=self.index.span(value),
                    divides_by_accumulation=division is not None,
                    framework_division=division,
                    step=(StepSite(span=self.index.span(returned), optimizer=optimizer, kind="automatic")
                          if optimizer else None),
                ))
        return sites

    def updates(self) -> list[UpdateSite]:
        found = [site for call in self.index.calls if (site := self.backward(call)) is not None]
        for record in catalog.AUTOMATIC_UPDATES:
            found += self.automatic(record)
        return found
