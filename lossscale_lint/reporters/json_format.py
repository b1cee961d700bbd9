"""`json`: the stable machine format, one object per diagnostic (documented in README.md, "Output formats").

The cache stores diagnostics in this same format and reads them back with `diagnostic_from_object`,
which trusts nothing: a cache file is input like any other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from lossscale_lint.diagnostics import Diagnostic, Edit, Fix, Related, Severity, Span
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
            # A related site is in the diagnostic's own file unless it names another one.
            {"path": related.path or diagnostic.path, **span_fields(related.span), "message": related.message}
            for related in diagnostic.related
        ],
        "factor": diagnostic.factor,
        "suggestion": diagnostic.suggestion,
        "fix": fix_object(diagnostic.fix),
    }


def report_json(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    return json.dumps([diagnostic_object(d) for d in diagnostics], indent=2, ensure_ascii=False) + "\n"


class MalformedDiagnostic(ValueError):
    """A JSON object that is not a diagnostic as `diagnostic_object` writes it."""


SPAN_KEYS = ("line", "column", "end_line", "end_column")
DIAGNOSTIC_KEYS = {"code", "name", "severity", "message", "path", *SPAN_KEYS, "related", "factor", "suggestion", "fix"}


def _fields(obj: Any, keys: set[str] | tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(obj, dict) or set(obj) != set(keys):
        raise MalformedDiagnostic(f"expected an object with the keys {sorted(keys)}")
    return obj


def _typed(value: Any, kind: type, optional: bool = False) -> Any:
    # bool is an int in Python, but never a line number.
    if (value is None and optional) or (isinstance(value, kind) and not isinstance(value, bool)):
        return value
    raise MalformedDiagnostic(f"expected {kind.__name__}, found {type(value).__name__}")


def _span(obj: dict[str, Any]) -> Span:
    return Span(**{key: _typed(obj[key], int) for key in SPAN_KEYS})


def _list(value: Any) -> list[Any]:
    return _typed(value, list)


def _fix(obj: Any) -> Fix | None:
    if obj is None:
        return None
    fix = _fields(obj, ("applicability", "description", "edits"))
    if fix["applicability"] not in ("safe", "unsafe"):
        raise MalformedDiagnostic(f"unknown fix applicability {fix['applicability']!r}")
    edits = tuple(
        Edit(span=_span(edit), content=_typed(edit["content"], str))
        for edit in (_fields(e, (*SPAN_KEYS, "content")) for e in _list(fix["edits"]))
    )
    return Fix(applicability=fix["applicability"], description=_typed(fix["description"], str), edits=edits)


def diagnostic_from_object(obj: Any) -> Diagnostic:
    """The inverse of `diagnostic_object`; MalformedDiagnostic for anything it would not write."""
    fields = _fields(obj, DIAGNOSTIC_KEYS)
    try:
        severity = Severity(fields["severity"])
    except ValueError:
        raise MalformedDiagnostic(f"unknown severity {fields['severity']!r}") from None
    path = _typed(fields["path"], str)
    related = tuple(
        Related(span=_span(note), message=_typed(note["message"], str),
                path=None if _typed(note["path"], str) == path else note["path"])
        for note in (_fields(item, ("path", *SPAN_KEYS, "message")) for item in _list(fields["related"]))
    )
    return Diagnostic(
        code=_typed(fields["code"], str),
        name=_typed(fields["name"], str),
        severity=severity,
        message=_typed(fields["message"], str),
        span=_span(fields),
        path=_typed(fields["path"], str),
        related=related,
        factor=_typed(fields["factor"], str, optional=True),
        suggestion=_typed(fields["suggestion"], str, optional=True),
        fix=_fix(fields["fix"]),
    )
