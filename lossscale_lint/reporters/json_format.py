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
from lossscale_lint.rules import ALL_RULES
from lossscale_lint.rules.base import rule_url


def span_fields(span: Span) -> dict[str, int]:
    fields = {
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }
    if span.cell is not None:  # a notebook: the lines count inside this cell
        fields["cell"] = span.cell
    return fields


def fix_object(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability,
        "description": fix.description,
        "edits": [{**span_fields(edit.span), "content": edit.content} for edit in fix.edits],
    }


def page_url(code: str) -> str | None:
    """The published page of a registered rule (what ruff's JSON calls `url`); None for other codes."""
    return rule_url(code) if code in ALL_RULES else None


def diagnostic_object(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "url": page_url(diagnostic.code),
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
# Written only for a span in a notebook cell.
OPTIONAL_SPAN_KEYS = ("cell",)
DIAGNOSTIC_KEYS = {"code", "name", "url", "severity", "message", "path", *SPAN_KEYS, "related", "factor", "suggestion", "fix"}


def _fields(obj: Any, keys: set[str] | tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    if not isinstance(obj, dict) or not set(keys) <= set(obj) <= set(keys) | set(optional):
        raise MalformedDiagnostic(f"expected an object with the keys {sorted(keys)}")
    return obj


def _spanned(obj: Any, keys: set[str] | tuple[str, ...]) -> dict[str, Any]:
    """_fields for an object that holds a span (and so may name a notebook cell)."""
    return _fields(obj, keys, OPTIONAL_SPAN_KEYS)


def _typed(value: Any, kind: type, optional: bool = False) -> Any:
    # bool is an int in Python, but never a line number.
    if (value is None and optional) or (isinstance(value, kind) and not isinstance(value, bool)):
        return value
    raise MalformedDiagnostic(f"expected {kind.__name__}, found {type(value).__name__}")


def _span(obj: dict[str, Any]) -> Span:
    cell = _typed(obj["cell"], int) if "cell" in obj else None
    if cell is not None and cell < 1:
        raise MalformedDiagnostic(f"cell numbers start at 1, found {cell}")
    return Span(**{key: _typed(obj[key], int) for key in SPAN_KEYS}, cell=cell)


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
        for edit in (_spanned(e, (*SPAN_KEYS, "content")) for e in _list(fix["edits"]))
    )
    return Fix(applicability=fix["applicability"], description=_typed(fix["description"], str), edits=edits)


def diagnostic_from_object(obj: Any) -> Diagnostic:
    """The inverse of `diagnostic_object`; MalformedDiagnostic for anything it would not write."""
    fields = _spanned(obj, DIAGNOSTIC_KEYS)
    # The url follows from the code; one that does not is not what `diagnostic_object` wrote.
    if fields["url"] != page_url(_typed(fields["code"], str)):
        raise MalformedDiagnostic(f"url {fields['url']!r} is not the page of {fields['code']}")
    try:
        severity = Severity(fields["severity"])
    except ValueError:
        raise MalformedDiagnostic(f"unknown severity {fields['severity']!r}") from None
    path = _typed(fields["path"], str)
    related = tuple(
        Related(span=_span(note), message=_typed(note["message"], str),
                path=None if _typed(note["path"], str) == path else note["path"])
        for note in (_spanned(item, ("path", *SPAN_KEYS, "message")) for item in _list(fields["related"]))
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
