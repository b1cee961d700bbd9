"""The rule interface: a rule is a small pure function from module facts to diagnostics."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from lossscale_lint.diagnostics import Diagnostic, Fix, Related, Severity, Span
from lossscale_lint.facts.model import ModuleFacts


@dataclass(frozen=True)
class RuleContext:
    """What a rule may read: the facts of one module and the names the user configured."""

    facts: ModuleFacts
    path: str = ""
    # The same module at the git base (`check --base REV`); only `needs_base` rules read it.
    base: ModuleFacts | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str  # one line, for `lossscale-lint rules` and SARIF short descriptions
    check: Callable[[RuleContext], Iterable[Diagnostic]] = field(repr=False)
    fix: Literal["safe", "unsafe"] | None = None  # the applicability of the fix this rule offers
    # Rules that compare a change against a git base only run with `--base`.
    needs_base: bool = False

    def diagnostic(
        self,
        ctx: RuleContext,
        span: Span,
        message: str,
        *,
        related: Iterable[Related] = (),
        factor: str | None = None,
        suggestion: str | None = None,
        fix: Fix | None = None,
    ) -> Diagnostic:
        return Diagnostic(
            code=self.code,
            name=self.name,
            severity=self.severity,
            message=message,
            span=span,
            path=ctx.path,
            related=tuple(related),
            factor=factor,
            suggestion=suggestion,
            fix=fix,
        )
