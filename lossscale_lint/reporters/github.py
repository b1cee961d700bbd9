"""GitHub Actions workflow-command annotations (`::error file=...::message`).

GitHub accepts `col`/`endColumn` only together with a one-line range, and shows at most 10 error and
10 warning annotations per step, so a summary line follows that points at SARIF for the full list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from lossscale_lint.diagnostics import Diagnostic, Severity
from lossscale_lint.reporters.base import ReportContext
from lossscale_lint.reporters.cells import cell_phrase, span_in_file
from lossscale_lint.reporters.locations import repository_relative

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
ANNOTATIONS_SHOWN_PER_KIND = 10


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic, cwd: Path, sources: dict[str, str] | None = None) -> str:
    # In a notebook the annotation points at the .ipynb file's own line; the title names the cell.
    span = span_in_file(d.path, d.span, cwd, sources or {})
    properties = [
        ("file", repository_relative(d.path, cwd)),
        ("line", str(span.line)),
        ("endLine", str(span.end_line)),
    ]
    if span.line == span.end_line:
        properties += [("col", str(span.column)), ("endColumn", str(span.end_column))]
    cell = f" ({cell_phrase(d.span)})" if d.span.cell is not None else ""
    properties.append(("title", f"{d.code} {d.name}{cell}"))
    body = [f"{d.code} {d.message}"]
    if d.factor:
        body.append(f"Effect on the update: {d.factor}")
    if d.suggestion:
        body.append(f"Fix: {d.suggestion}")
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{_COMMAND[d.severity]} {props}::{escape_data(chr(10).join(body))}"


def report_github(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    ordered = sorted(diagnostics, key=lambda d: d.sort_key)
    lines = [annotation(d, Path(ctx.cwd), ctx.sources) for d in ordered]
    kinds = Counter(_COMMAND[d.severity] for d in ordered)
    files = len({d.path for d in ordered})
    summary = f"lossscale-lint: {len(ordered)} diagnostic{'s' if len(ordered) != 1 else ''}"
    if ordered:
        counts = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(kinds.items()))
        summary += f" ({counts}) in {files} file{'s' if files != 1 else ''}"
    if ctx.files_failed:
        summary += f"; {ctx.files_failed} file{'s' if ctx.files_failed != 1 else ''} could not be checked"
    lines.append(summary)
    if any(n > ANNOTATIONS_SHOWN_PER_KIND for n in kinds.values()):
        lines.append(
            f"GitHub shows only {ANNOTATIONS_SHOWN_PER_KIND} annotations of each kind per step; "
            "upload `--output-format sarif` to code scanning to see them all."
        )
    return "\n".join(lines) + "\n"
