"""`json`: the stable machine format, one object per diagnostic (documented in README.md, "Output formats")."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from lossscale_lint.diagnostics import Diagnostic, Fix, Span
from lossscale_lint.reporters.base import ReportContext


def span_fields(span: Span) -> dict[str, int]:
    return {
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }


def fix_object(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability,
        "description": fix.description,
        "edits": [{**span_fields(edit.span), "content": edit.content} for edit in fix.edits],
    }


def diagnostic_object(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "path": diagnostic.path,
        **span_fields(diagnostic.span),
        "related": [
            {
                "path": diagnostic.path,  # related sites are always in the diagnostic's own file
                "line": related.span.line,
                "column": related.span.column,
                "message": related.message,
            }
            for related in diagnostic.related
        ],
        "factor": diagnostic.factor,
        "suggestion": diagnostic.suggestion,
        "fix": fix_object(diagnostic.fix),
    }


def report_json(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    return json.dumps([diagnostic_object(d) for d in diagnostics], indent=2, ensure_ascii=False) + "\n"
