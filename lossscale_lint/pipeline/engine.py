"""One way through: source text -> LibCST module -> facts -> rules -> diagnostics.

Everything that reads files, applies configuration or renders output sits around this module;
`lint_source` is the single place where a file is parsed and analysed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import libcst as cst

from lossscale_lint.diagnostics import Diagnostic, Span
from lossscale_lint.facts.extract import extract_facts
from lossscale_lint.facts.model import ModuleFacts
from lossscale_lint.facts.project import ProjectLink
from lossscale_lint.pipeline.dependencies import record as record_dependencies
from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.rules import ALL_RULES
from lossscale_lint.rules.base import RuleContext
from lossscale_lint.rules.limits import INTERNAL_ERROR
from lossscale_lint.rules.syntax import SYNTAX_ERROR
from lossscale_lint.pipeline.limits import internal_error, time_is_up
from lossscale_lint.pipeline.sources import syntax_problem, too_deep_to_parse


def syntax_error(path: str, error: SyntaxError) -> Diagnostic:
    line, column = error.lineno or 1, max(error.offset or 1, 1)
    return Diagnostic(
        code=SYNTAX_ERROR.code,
        name=SYNTAX_ERROR.name,
        severity=SYNTAX_ERROR.severity,
        message=f"cannot parse this file: {error.msg}",
        span=Span(line=line, column=column, end_line=line, end_column=column),
        path=path,
    )


def parse_error(path: str, source: str, error: cst.ParserSyntaxError) -> Diagnostic:
    # LibCST's native parser reports where its lookahead stopped, which is often a line late;
    # the standard parser (parsing only, nothing is compiled or run) names the offending place.
    message = str(error.message).removeprefix("parser error: ").strip().rstrip(".")
    precise = SyntaxError(message, ("", error.editor_line, error.editor_column, ""))
    found = syntax_problem(source)
    if isinstance(found, SyntaxError) and found.lineno:
        precise = found
    return syntax_error(path, precise)


def parse(source: str, path: str) -> cst.Module | Diagnostic:
    """The LibCST module, or the LSL000 diagnostic saying why there is none.

    Code nested too deeply is refused first: LibCST's native parser can overflow the C stack on it
    and take the whole process down, where the standard parser raises a clean SyntaxError.
    """
    too_deep = too_deep_to_parse(source)
    if too_deep is not None:
        return syntax_error(path, too_deep)
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        return parse_error(path, source, error)


def module_facts(source: str, path: str, options: AnalysisOptions, project=None) -> ModuleFacts | Diagnostic:
    """Parse once and extract the facts, or the LSL000 diagnostic saying why the text does not parse.

    `project` (a `facts.project.ProjectLink`) lets the analysis follow imports of project modules."""
    module = parse(source, path)
    if isinstance(module, Diagnostic):
        return module
    return extract_facts(
        module,
        path,
        batch_size_names=options.batch_size_names,
        accumulation_names=options.accumulation_names,
        project=project,
    )


@dataclass(frozen=True)
class LintOutcome:
    diagnostics: list[Diagnostic]
    # The other project modules the result depends on: (absolute path, SHA-256 of its bytes).
    dependencies: tuple[tuple[str, str], ...] = ()


def lint_source(
    source: str,
    path: str,
    options: AnalysisOptions | None = None,
    base_source: str | None = None,
) -> list[Diagnostic]:
    """Analyse one module's text and return its diagnostics, sorted by position.

    With `base_source` (the same file at a git base) the change-aware rules also run.
    """
    outcome = lint_source_with_dependencies(source, path, options, base_source)
    record_dependencies(outcome.dependencies)  # for the cache, when the runner asks
    return outcome.diagnostics


def lint_source_with_dependencies(
    source: str,
    path: str,
    options: AnalysisOptions | None = None,
    base_source: str | None = None,
) -> LintOutcome:
    """`lint_source`, also saying which other project modules the result was computed from."""
    options = options or AnalysisOptions()
    project = ProjectLink.for_file(path, options.batch_size_names, options.accumulation_names)
    try:
        facts = module_facts(source, path, options, project)
    except RecursionError:
        raise  # code too deep for the extraction: the caller's limit, not a bug
    except Exception as error:  # noqa: BLE001 - a bug on one file is that file's diagnostic
        if time_is_up():
            raise  # the time limit, surfacing as another error (`pipeline/limits.py`)
        facts = internal_error(path, error, "the fact extraction", "no rule could run on this file")
    dependencies = tuple(sorted(project.dependencies.items())) if project is not None else ()
    if isinstance(facts, Diagnostic):
        return LintOutcome([facts] if options.is_selected(facts.code) else [], dependencies)
    diagnostics = _lint_facts(facts, path, options, base_source, project)
    if project is not None:
        diagnostics = [d for d in map(in_checked_file, diagnostics) if d is not None]
    return LintOutcome(diagnostics, dependencies)


def in_checked_file(diagnostic: Diagnostic) -> Diagnostic | None:
    """A diagnostic as reported in the checked file when some of its sites are in other modules:
    related sites there name their file, a fix that would edit another file is not offered, and
    a finding whose own place is in another file is that file's to report (None)."""
    if diagnostic.span.path is not None:
        return None
    related = tuple(
        replace(r, span=replace(r.span, path=None), path=r.span.path) if r.span.path is not None else r
        for r in diagnostic.related
    )
    fix = diagnostic.fix
    if fix is not None and any(edit.span.path is not None for edit in fix.edits):
        fix = None
    if related == diagnostic.related and fix is diagnostic.fix:
        return diagnostic
    return replace(diagnostic, related=related, fix=fix)


def _lint_facts(facts: ModuleFacts, path: str, options: AnalysisOptions, base_source: str | None,
                project: ProjectLink | None) -> list[Diagnostic]:
    # A base that does not parse has nothing to compare against, which is not this file's problem.
    # It reads the project's modules as they are now, like the file itself.
    diagnostics: list[Diagnostic] = []

    def crashed(error: Exception, where: str, consequence: str) -> None:
        if time_is_up():
            raise error  # the time limit, surfacing as another error (`pipeline/limits.py`)
        if options.is_selected(INTERNAL_ERROR.code):
            diagnostics.append(internal_error(path, error, where, consequence))

    base = None
    try:
        base = module_facts(base_source, path, options, project) if base_source is not None else None
    except RecursionError:
        pass  # too deep to compare with, like a base that does not parse
    except Exception as error:  # noqa: BLE001 - a bug on one file is that file's diagnostic
        crashed(error, "the fact extraction of the git base version", "the change-aware rules did not run")
    base = None if isinstance(base, Diagnostic) else base
    ctx = RuleContext(facts=facts, path=path, base=base)
    for rule in ALL_RULES.values():
        if (rule.needs_base and base is None) or not options.is_selected(rule.code):
            continue
        try:
            diagnostics.extend(list(rule.check(ctx)))
        except RecursionError:
            raise
        except Exception as error:  # noqa: BLE001 - one rule's bug must not silence the others
            crashed(error, f"rule {rule.code} ({rule.name})", "the other rules still ran")
    # One finding per code and place: two backward calls sharing one criterion are one problem
    # (two rules that crash are two problems, both at the file's start).
    unique = {(d.code, d.span, d.message if d.code == INTERNAL_ERROR.code else ""): d for d in diagnostics}
    return sorted(unique.values(), key=lambda d: d.sort_key)
