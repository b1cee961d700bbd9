"""Hand-written parameter updates: where they are, and the optimizer they amount to.

A manual update (`p.data -= lr * p.grad`, `p.add_(p.grad, alpha=-lr)`) written next to backward is
a step of plain SGD. So is a call to a helper of this module that does one (d2l's
`sgd(params, lr, batch_size)`): then the learning rate, decay and divisor are read at the call,
through the helper's parameters, because that is where the values the training loop uses live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import libcst as cst

from lossscale_lint.facts import gradients
from lossscale_lint.facts.index import CallSite, StatementSite
from lossscale_lint.facts.model import OptimizerSite, ScaleRole
from lossscale_lint.facts.resolve import Where

# What a manual update is called in diagnostics ("stepped by manual SGD").
MANUAL_SGD = "manual SGD"
_BATCH_ROLES = (ScaleRole.BATCH_SIZE, ScaleRole.BATCH_LENGTH)

Place = Callable[[cst.BaseExpression], Where]


class ManualSteps:
    """Finds the manual updates of one module for the update builder."""

    def __init__(self, extractor) -> None:
        self.x = extractor
        self.index = extractor.index
        self.resolver = extractor.resolver

    def updates_in(self, scope: int) -> Iterator[tuple[CallSite | StatementSite, gradients.ManualUpdate]]:
        """The manual updates written in `scope`: under `no_grad`, or on `p.data`."""
        for call in self.index.calls:
            if call.scope == scope and (update := gradients.manual_update_call(call.node)) is not None:
                if update.on_data or call.in_no_grad:
                    yield call, update
        for statement in self.index.augmented:
            if statement.scope == scope and (update := gradients.manual_update_statement(statement.node)):
                if update.on_data or statement.in_no_grad:
                    yield statement, update

    def steps_in(self, scope: int) -> Iterator[tuple[CallSite | StatementSite, OptimizerSite]]:
        """Each manual step taken in `scope`, written there or in a helper it calls."""
        for site, update in self.updates_in(scope):
            yield site, self.optimizer(update, site, lambda e, s=site: Where(e, s.scope, s.position))
        for call in self.index.calls:
            if call.scope != scope:
                continue
            helper = self.resolver.local_function(call.node.func, call.scope)
            if helper is None or helper == scope:
                continue
            found = list(self.updates_in(helper))
            if len(found) == 1:  # one update in the helper: its rate is the rate of the step
                site, update = found[0]
                yield call, self.optimizer(update, call, self._through(call, helper, site))

    def _through(self, call: CallSite, helper: int, site) -> Place:
        """Where an expression of the helper gets its value: the caller's argument for a
        parameter, the helper itself for anything else."""
        params = self.index.scopes[helper].params

        def place(expr: cst.BaseExpression) -> Where:
            if isinstance(expr, cst.Name) and expr.value in params:
                passed = self.resolver.passed_argument(call, helper, expr.value)
                if passed is not None:
                    return passed
            return Where(expr, site.scope, site.position)

        return place

    def optimizer(self, update: gradients.ManualUpdate, site, place: Place) -> OptimizerSite:
        """A hand-written update is plain SGD with the lr (and coupled decay) written in it."""
        lr = self.x.sites.value_at(place(update.lr))
        if update.divisor is not None and self.x.tracer.role(place(update.divisor)) in _BATCH_ROLES:
            lr = replace(lr, batch_scaling="div")  # `lr * p.grad / batch_size` divides the step by B
        return OptimizerSite(
            qualified_name=MANUAL_SGD,
            name=MANUAL_SGD,
            family="sgd",
            span=self.index.span(site.node),
            lr=lr,
            weight_decay=self.x.sites.value_at(place(update.decay)) if update.decay is not None else None,
            weight_decay_span=self.index.span(update.decay_term) if update.decay_term is not None else None,
            decoupled=False,
        )
