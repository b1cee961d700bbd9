"""The rule interface: a rule is a small pure function from module facts to diagnostics.

Everything else the tool says about a rule (the `rules` listing, the README table, SARIF rule
descriptors, the JSON `url`, the text pre-check) is read from its `Rule` record, so a rule is
described in one place.
"""

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


# Where each rule's page is published; `{code}` is the rule code. pyproject.toml's [project.urls]
# names the same folder (tests/test_rule_metadata.py keeps the two in step).
RULE_PAGE_URL = "https://github.com/lossscale-lint/lossscale-lint/blob/main/rules/{code}.md"


def rule_url(code: str) -> str:
    return RULE_PAGE_URL.format(code=code)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str  # one line, for `lossscale-lint rules` and SARIF short descriptions
    check: Callable[[RuleContext], Iterable[Diagnostic]] = field(repr=False)
    fix: Literal["safe", "unsafe"] | None = None  # the applicability of the fix this rule offers
    # The fact kinds the rule's findings start from (names in `rules/reads.py: FACT_KINDS`): with
    # none of them in a module the rule reports nothing there. The text pre-check is derived from
    # these; a rule that declares nothing, or a kind without text evidence, turns it off.
    reads: tuple[str, ...] = ()
    # What it finds, in markdown with the effect on the update (the README rule table's last
    # column); the plain `summary` when empty.
    finds: str = ""
    # Runs only when a selector more specific than `LSL` names it (`config.options.OPT_IN_CODES`).
    opt_in: bool = False

    @property
    def reported_by_the_pipeline(self) -> bool:
        """Its findings come from the pipeline around the rules, not from its `check` over facts."""
        from lossscale_lint.rules.reads import REPORTED_BY_THE_PIPELINE

        return bool(REPORTED_BY_THE_PIPELINE & set(self.reads))

    @property
    def needs_base(self) -> bool:
        """Rules that compare a change against a git base only run with `--base`."""
        return "base" in self.reads

    @property
    def url(self) -> str:
        return rule_url(self.code)

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
