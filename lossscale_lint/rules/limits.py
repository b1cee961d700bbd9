"""LSL001, LSL002, LSL999: a file the analysis did not finish, said as a diagnostic.

A linter that runs unattended (a hook, CI, an editor) must not let one file stall or stop the run,
and must not pass a file it did not check in silence. The pipeline around the engine reports these
(`pipeline/limits.py`): a file larger than `max-file-size` is skipped (LSL001), an analysis that
runs past `file-timeout` is stopped (LSL002), and a rule that crashes on a file is reported
(LSL999) while the other rules still run. Like LSL000 their registry entries describe them and
their `check` over facts finds nothing; `reads=("limits",)` tells the pre-check that nothing in a
file's text can bring them about.
"""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Severity, Span
from lossscale_lint.rules.base import Rule, RuleContext


def reported_by_the_pipeline(ctx: RuleContext) -> Iterator[Diagnostic]:
    return iter(())


FILE_TOO_LARGE = Rule(
    "LSL001", "file-too-large", Severity.WARNING,
    "The file is larger than `max-file-size` and was not analysed.",
    reported_by_the_pipeline, reads=("limits",),
    finds="training code larger than `max-file-size` (default 1 MiB), skipped and said so",
)
ANALYSIS_TIMEOUT = Rule(
    "LSL002", "analysis-timeout", Severity.WARNING,
    "The analysis of the file took longer than `file-timeout` and was stopped.",
    reported_by_the_pipeline, reads=("limits",),
    finds="a file whose analysis ran past `file-timeout` (default 10 s), stopped and said so",
)
INTERNAL_ERROR = Rule(
    "LSL999", "internal-error", Severity.ERROR,
    "A rule crashed on the file (a bug in lossscale-lint); the other rules still ran.",
    reported_by_the_pipeline, reads=("limits",),
    finds="a rule that crashed on the file (a bug to report); the other rules and files still run",
)

RULES = (FILE_TOO_LARGE, ANALYSIS_TIMEOUT, INTERNAL_ERROR)
# Codes that mean "the file was not (completely) analysed": such a result is not cached (a time
# limit depends on the machine's load) and its `# noqa` comments are not judged (LSL900).
INCOMPLETE_ANALYSIS = frozenset(rule.code for rule in RULES)


def whole_file_diagnostic(rule: Rule, path: str, message: str, suggestion: str) -> Diagnostic:
    """A finding about the file as a whole, placed at its start."""
    return Diagnostic(code=rule.code, name=rule.name, severity=rule.severity, message=message,
                      span=Span(line=1, column=1, end_line=1, end_column=1), path=path,
                      suggestion=suggestion)
