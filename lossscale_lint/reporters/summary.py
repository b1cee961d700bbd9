"""The closing line(s) shared by the human-readable reporters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from lossscale_lint.diagnostics import Diagnostic, Severity
from lossscale_lint.reporters.base import ReportContext


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {many or word + 's'}"


def summary_lines(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> list[str]:
    lines = []
    if ctx.fixes_applied:
        lines.append(f"Fixed {plural(ctx.fixes_applied, 'problem')}.")
    if not diagnostics and not ctx.files_failed:
        lines.append("All checks passed.")
    elif not diagnostics:
        lines.append("No problems found in the files that could be checked.")
    else:
        by_severity = Counter(d.severity for d in diagnostics)
        parts = [
            plural(by_severity[severity], severity.value)
            for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
            if by_severity[severity] or severity is not Severity.INFO
        ]
        files = len({d.path for d in diagnostics})
        lines.append(
            f"Found {plural(len(diagnostics), 'problem')} ({', '.join(parts)}) in {plural(files, 'file')}."
        )
    if ctx.files_failed:
        lines.append(f"{plural(ctx.files_failed, 'file')} could not be checked (errors on stderr).")
    if ctx.unsafe_fixes_available:
        count = plural(ctx.unsafe_fixes_available, "more fix", "more fixes")
        lines.append(f"{count} available with --unsafe-fixes.")
    return lines
