"""LSL000: the file cannot be parsed.

The engine reports it where parsing fails, before there are any facts for a rule to read, so the
rule's check finds nothing; its registry entry gives the name, severity, summary and page that
every output reads, and `reads` tells the pre-check to look for a parse failure.
"""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Severity
from lossscale_lint.rules.base import Rule, RuleContext


def check_parse_failure(ctx: RuleContext) -> Iterator[Diagnostic]:
    # A rule context exists only for a module that parsed.
    return iter(())


SYNTAX_ERROR = Rule("LSL000", "syntax-error", Severity.ERROR,
                    "The file cannot be parsed; nothing else is checked in it.",
                    check_parse_failure, reads=("parse_failure",))

RULES = (SYNTAX_ERROR,)
