"""One way through: source text -> LibCST module -> facts -> rules -> diagnostics.

Everything that reads files, applies configuration or renders output sits around this module;
`lint_source` is the single place where a file is parsed and analysed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from lossscale_lint.diagnostics import Diagnostic, Severity, Span
from lossscale_lint.facts.extract import extract_facts
from lossscale_lint.facts.model import ModuleFacts
from lossscale_lint.rules import ALL_RULES
from lossscale_lint.rules.base import RuleContext


@dataclass(frozen=True)
class AnalysisOptions:
    """What the analysis needs to know beyond the source: extra names and which rules run."""

    batch_size_names: tuple[str, ...] = ()
    accumulation_names: tuple[str, ...] = ()
    # Decides whether a rule code runs; the configuration builds it from select/ignore.
    is_selected: Callable[[str], bool] = field(default=lambda code: True, compare=False)


def parse_error(path: str, source: str, error: cst.ParserSyntaxError) -> Diagnostic:
    # LibCST's native parser reports where its lookahead stopped, which is often a line late;
    # the standard parser (parsing only, nothing is compiled or run) names the offending place.
    line, column = error.editor_line, error.editor_column
    message = str(error.message).removeprefix("parser error: ").strip().rstrip(".")
    try:
        ast.parse(source)
    except SyntaxError as precise:
        if precise.lineno:
            line, column = precise.lineno, max(precise.offset or 1, 1)
            message = precise.msg
    except (ValueError, RecursionError):
        pass
    return Diagnostic(
        code="LSL000",
        name="syntax-error",
        severity=Severity.ERROR,
        message=f"cannot parse this file: {message}",
        span=Span(line=line, column=column, end_line=line, end_column=column),
        path=path,
    )


def base_facts(base_source: str | None, path: str, options: AnalysisOptions) -> ModuleFacts | None:
    """The facts of the module's base version, or None when there is none or it does not parse
    (a base that cannot be read has nothing to compare against, which is not this file's problem)."""
    if base_source is None:
        return None
    try:
        module = cst.parse_module(base_source)
    except cst.ParserSyntaxError:
        return None
    return extract_facts(
        module,
        path,
        batch_size_names=options.batch_size_names,
        accumulation_names=options.accumulation_names,
    )


def lint_source(
    source: str,
    path: str,
    options: AnalysisOptions | None = None,
    base_source: str | None = None,
) -> list[Diagnostic]:
    """Analyse one module's text and return its diagnostics, sorted by position.

    With `base_source` (the same file at a git base) the change-aware rules also run.
    """
    options = options or AnalysisOptions()
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        return [parse_error(path, source, error)] if options.is_selected("LSL000") else []
    facts = extract_facts(
        module,
        path,
        batch_size_names=options.batch_size_names,
        accumulation_names=options.accumulation_names,
    )
    base = base_facts(base_source, path, options)
    ctx = RuleContext(facts=facts, path=path, base=base)
    diagnostics: list[Diagnostic] = []
    for rule in ALL_RULES.values():
        if (rule.needs_base and base is None) or not options.is_selected(rule.code):
            continue
        diagnostics.extend(rule.check(ctx))
    # One finding per code and place: two backward calls sharing one criterion are one problem.
    unique = {(d.code, d.span): d for d in diagnostics}
    return sorted(unique.values(), key=lambda d: d.sort_key)
