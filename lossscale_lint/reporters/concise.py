"""`concise`: one `path:line:col: CODE message` line per diagnostic, for editors' problem matchers."""

from __future__ import annotations

from collections.abc import Sequence

from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.reporters.base import ReportContext
from lossscale_lint.reporters.cells import place
from lossscale_lint.reporters.summary import fixable_marker, summary_lines


def headline(diagnostic: Diagnostic, marker: str = "") -> str:
    return f"{diagnostic.path}:{place(diagnostic.span)}: {diagnostic.code} {marker}{diagnostic.message}"


def report_concise(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    # Fixable diagnostics are marked `[*]`, as ruff marks them, except after a fix run.
    lines = [headline(d, "" if ctx.fix_run else fixable_marker(d)) for d in diagnostics]
    lines.extend(summary_lines(diagnostics, ctx))
    return "\n".join(lines) + "\n"
