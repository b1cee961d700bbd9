"""The closing line(s) shared by the human-readable reporters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from lossscale_lint.diagnostics import Diagnostic, Severity
from lossscale_lint.reporters.base import ReportContext


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {many or word + 's'}"


def summary_lines(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> list[str]:
    if ctx.quiet:
        return []
    lines = []
    if ctx.fixes_applied:
        lines.append(f"Fixed {plural(ctx.fixes_applied, 'problem')}.")
    checked = plural(ctx.files_checked, "file")
    if not diagnostics:
        # The count says what "no problems" covers: an empty or mis-aimed run ("Checked 0 files")
        # is told apart from a clean one. Failed files are counted on their own line below.
        lines.append(f"Checked {checked}: no problems found.")
    else:
        by_severity = Counter(d.severity for d in diagnostics)
        parts = [
            plural(by_severity[severity], severity.value)
            for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
            if by_severity[severity] or severity is not Severity.INFO
        ]
        found = plural(len(diagnostics), "problem")
        lines.append(f"Found {found} ({', '.join(parts)}) in {_files_with_problems(diagnostics, ctx)}.")
    if ctx.files_failed:
        lines.append(f"{plural(ctx.files_failed, 'file')} could not be checked (errors on stderr).")
    if ctx.unsafe_fixes_available:
        count = plural(ctx.unsafe_fixes_available, "more fix", "more fixes")
        lines.append(f"{count} available with --unsafe-fixes.")
    if not ctx.fix_run and (fixable := fixable_counts(diagnostics)) != (0, 0):
        safe, unsafe = fixable
        if not safe:
            lines.append(f"{unsafe} fixable with --fix --unsafe-fixes.")
        else:
            more = f" ({unsafe} more with --unsafe-fixes)" if unsafe else ""
            lines.append(f"{safe} fixable with --fix{more}.")
    return lines


def fixable_counts(diagnostics: Sequence[Diagnostic]) -> tuple[int, int]:
    """(safe, unsafe): how many diagnostics carry a fix of each kind."""
    kinds = Counter(d.fix.applicability for d in diagnostics if d.fix is not None and d.fix.edits)
    return kinds["safe"], kinds["unsafe"]


def fixable_marker(diagnostic: Diagnostic) -> str:
    """`[*] ` before the message of a diagnostic `--fix` would fix (ruff's marker), else ``."""
    fix = diagnostic.fix
    return "[*] " if fix is not None and fix.edits and fix.applicability == "safe" else ""


def _files_with_problems(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    """`4 of 93 files`: the line still starts with "Found N problems", as ruff's does (scripts
    and problem matchers that look for it keep working), and names the checked count in place.
    A caller that did not count the checked files (fewer than have problems) gets `4 files`."""
    files = len({d.path for d in diagnostics})
    if ctx.files_checked < files:
        return plural(files, "file")
    return f"{files} of {plural(ctx.files_checked, 'file')}"
