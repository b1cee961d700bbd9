"""GitLab Code Quality report: a JSON array of issues with stable fingerprints.

GitLab compares fingerprints between the merge request and its target branch to decide what is new,
so a fingerprint must survive unrelated edits that move code up or down: it hashes the path, the
rule code and the offending line's text (whitespace-trimmed), never the line number, plus a counter
that keeps identical lines in one file apart.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from lossscale_lint.diagnostics import Diagnostic, Severity
from lossscale_lint.reporters.base import ReportContext
from lossscale_lint.reporters.cells import cell_lines, cell_phrase, span_in_file
from lossscale_lint.reporters.locations import repository_relative, source_line

# The rules flag bugs in what the model learns, so an error is critical rather than merely major.
_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def fingerprint(path: str, code: str, line_text: str, occurrence: int) -> str:
    key = "\0".join((path, code, line_text.strip(), str(occurrence)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def report_gitlab(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    cwd = Path(ctx.cwd)
    seen: Counter[tuple[str, str, str]] = Counter()
    issues = []
    for d in sorted(diagnostics, key=lambda d: d.sort_key):
        path = repository_relative(d.path, cwd)
        text = _line_text(d, cwd, ctx.sources)
        occurrence = seen[(path, d.code, text)]
        seen[(path, d.code, text)] += 1
        description = f"{d.code} {d.message}"
        if d.span.cell is not None:
            description += f" ({cell_phrase(d.span)})"
        span = span_in_file(d.path, d.span, cwd, ctx.sources)
        if d.suggestion:
            description = f"{description.rstrip('.')}. Fix: {d.suggestion}"
        issues.append(
            {
                "type": "issue",
                "check_name": d.code,
                "description": description,
                "categories": ["Bug Risk"],
                "severity": _SEVERITY[d.severity],
                "fingerprint": fingerprint(path, d.code, text, occurrence),
                "location": {
                    "path": path,
                    "positions": {
                        "begin": {"line": span.line, "column": span.column},
                        "end": {"line": span.end_line, "column": span.end_column},
                    },
                },
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _line_text(d: Diagnostic, cwd: Path, sources: dict[str, str]) -> str:
    """The offending line's code, trimmed; in a notebook the cell's line (not the JSON around it),
    and never the cell number, which changes whenever a cell is added above."""
    if d.span.cell is None:
        return source_line(d.path, d.span.line, cwd, sources).strip()
    lines = cell_lines(d.path, d.span.cell, cwd, sources)
    return lines[d.span.line - 1].strip() if 0 < d.span.line <= len(lines) else ""
