"""The one way to lint a text above the engine: suppressions, pre-check, engine, error containment.

`check` (with or without `--base`, `--fix`, `--diff`), the fixer's re-lint between passes, the
language server and the flake8 plugin all call `lint_text`; `engine.lint_source` underneath it is
the analysis itself (parse once -> facts -> rules). The limits (`pipeline/limits.py`) are applied
here, so every caller has them. Nothing but `AnalysisError` leaves `lint_text`: a crash outside the
rules, or code too deep to analyse, becomes that one-line message, and each caller decides where
the line goes (a per-file error, an editor message, a flake8 result).
"""

from __future__ import annotations

import dataclasses

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.pipeline.noqa import parse_suppressions, without_suppressed
from lossscale_lint.pipeline.limits import AnalysisTimeout, describe_exception, time_limit, timed_out, too_large
from lossscale_lint.pipeline.precheck import lint_source_prechecked, may_report
from lossscale_lint.rules import ALL_RULES
from lossscale_lint.rules.limits import ANALYSIS_TIMEOUT, INCOMPLETE_ANALYSIS
from lossscale_lint.rules.suppression import UNUSED_NOQA, unused_noqa

SYNTAX_ERROR = "LSL000"


class AnalysisError(Exception):
    """Analysing one text failed; the message is one line for the user (without the path)."""


def lint_text(
    source: str,
    path: str,
    options: AnalysisOptions,
    base_source: str | None = None,
    *,
    noqa: bool = True,
    always_report_syntax_errors: bool = False,
) -> list[Diagnostic]:
    """The diagnostics of one file's text, sorted, with its suppression comments applied.

    `base_source`: the file at the git base of `check --base` (None, or the same text, compares
    nothing). `noqa=False` leaves `# noqa` comments to the caller (flake8 applies its own);
    `# lossscale-lint: skip-file` always counts. `always_report_syntax_errors`: LSL000 shows even
    when deselected or suppressed, which is how the fixer sees that a fix broke the file.
    Code over `max-file-size` is not analysed (LSL001, unless the text shows nothing could be
    reported), an analysis past `file-timeout` is stopped (LSL002), a rule that crashes is its
    own diagnostic (LSL999). Raises AnalysisError, and nothing else, when the analysis fails.
    """
    too_big = too_large(source, path, options)
    if too_big is not None:
        # Neither parsed nor tokenized (so `# noqa` has no say): only the linear text pre-check.
        relevant = options.is_selected(too_big.code) and may_report(source, options.is_selected, base_source)
        return [too_big] if relevant else []
    limit = time_limit(options.file_timeout)
    try:
        with limit:
            return _lint(source, path, options, base_source, noqa, always_report_syntax_errors)
    except (AnalysisTimeout, Exception) as error:
        if limit.fired:  # whatever the exception: the timeout may surface inside C code as another
            return [timed_out(path, options)] if options.is_selected(ANALYSIS_TIMEOUT.code) else []
        if isinstance(error, AnalysisTimeout):
            raise  # an enclosing limit's
        if isinstance(error, RecursionError):
            raise AnalysisError("too deeply nested to analyse") from None
        # A bug on one file must not stop the others.
        raise AnalysisError(f"internal error while analysing: {describe_exception(error)}") from None


def selecting(options: AnalysisOptions, choose) -> AnalysisOptions:
    """`options` whose selection is `choose(code, the current selection)`."""
    selected = options.is_selected
    return dataclasses.replace(options, is_selected=lambda code: choose(code, selected))


def _lint(
    source: str, path: str, options: AnalysisOptions, base_source: str | None, noqa: bool, show_syntax: bool
) -> list[Diagnostic]:
    if show_syntax:
        options = selecting(options, lambda code, selected: code == SYNTAX_ERROR or selected(code))
    suppressions = parse_suppressions(source)
    if suppressions.skip_file and not show_syntax:
        return []
    base_source = None if base_source == source else base_source
    judge_noqa = noqa and options.is_selected(UNUSED_NOQA.code)
    if judge_noqa:
        # LSL900 is judged here, from the other rules' findings; the engine has nothing to do for
        # it, and leaving it selected there would only stop the pre-check from skipping files.
        options = selecting(options, lambda code, selected: code != UNUSED_NOQA.code and selected(code))
    # No LibCST parse (nor import) when the text proves nothing selected can fire (issue 6).
    found = lint_source_prechecked(source, path, options, base_source)
    if show_syntax and any(d.code == SYNTAX_ERROR for d in found):
        return found
    if suppressions.skip_file:
        return []
    if not noqa:
        return found
    # Unparsed, or a rule crashed: not every rule ran to the end, so no comment can be judged.
    if judge_noqa and not any(d.code == SYNTAX_ERROR or d.code in INCOMPLETE_ANALYSIS for d in found):
        ran = lambda code: options.is_selected(code) and (base_source is not None or not ALL_RULES[code].needs_base)
        found = sorted([*found, *unused_noqa(suppressions.directives, found, ALL_RULES, ran, path)],
                       key=lambda d: d.sort_key)
    return without_suppressed(found, suppressions)
