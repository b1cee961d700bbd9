"""SARIF 2.1.0 output, shaped for GitHub code scanning.

One run, one driver rule per reported code (with the rule page as help), results with
repository-relative URIs under `%SRCROOT%`, 1-based regions counted in code points (LibCST's unit,
declared by `columnKind`) and every fix as a replacement. `partialFingerprints` is left out on purpose:
GitHub's upload action computes `primaryLocationLineHash` itself, and a home-made value that differs
from its algorithm would make alerts flicker between runs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from lossscale_lint import __version__
from lossscale_lint.diagnostics import Diagnostic, Fix, Severity, Span
from lossscale_lint.reporters.base import ReportContext
from lossscale_lint.reporters.cells import file_replacement, file_span
from lossscale_lint.reporters.locations import repository_relative, repository_root
from lossscale_lint.reporters.rule_info import RuleInfo, markdown_to_text, rule_info, short_form

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub's own scale for `problem.severity`.
_PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}


def report_sarif(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    ordered = sorted(diagnostics, key=lambda d: d.sort_key)
    codes = sorted({d.code for d in ordered})
    first_seen = {d.code: d for d in reversed(ordered)}
    infos = [rule_info(code, first_seen[code]) for code in codes]
    index = {info.code: i for i, info in enumerate(infos)}
    root = repository_root(Path(ctx.cwd).absolute()) or Path(ctx.cwd).absolute()
    run = {
        "tool": {
            "driver": {
                "name": "lossscale-lint",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(info) for info in infos],
            }
        },
        "originalUriBaseIds": {SOURCE_ROOT: {"uri": root.as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, index[d.code], ctx) for d in ordered],
    }
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule(info: RuleInfo) -> dict:
    full = markdown_to_text(short_form(info.page)) if info.page else info.summary
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": full or info.summary},
        **({"helpUri": info.url} if info.url else {}),
        "help": {"text": markdown_to_text(info.help_markdown), "markdown": info.help_markdown},
        "defaultConfiguration": {"level": _LEVEL[info.severity]},
        "properties": {
            "tags": ["correctness", "pytorch", "training"],
            "precision": "high",
            "problem.severity": _PROBLEM_SEVERITY[info.severity],
            **({"fix": info.fix} if info.fix else {}),
        },
    }


def _artifact(path: str, ctx: ReportContext) -> dict:
    relative = repository_relative(path, Path(ctx.cwd))
    if relative.startswith("/"):  # outside the repository: an absolute URI needs no base
        return {"uri": Path(relative).as_uri()}
    return {"uri": _uri_path(relative), "uriBaseId": SOURCE_ROOT}


def _uri_path(relative: str) -> str:
    return quote(relative, safe="/")


def _region(span: Span) -> dict:
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
    }


def _location(path: str, span: Span, ctx: ReportContext, message: str | None = None) -> dict:
    if span.cell is None:
        location: dict = {"physicalLocation": {"artifactLocation": _artifact(path, ctx), "region": _region(span)}}
    else:
        # A notebook: the region is in the .ipynb file itself (what code scanning shows); the cell
        # and the place inside it go in the location's properties.
        physical: dict = {"artifactLocation": _artifact(path, ctx)}
        region = file_span(path, span, Path(ctx.cwd), ctx.sources)
        if region is not None:
            physical["region"] = _region(region)
        location = {"physicalLocation": physical, "properties": {"cell": span.cell, "cellRegion": _region(span)}}
    if message:
        location["message"] = {"text": message}
    return location


def _message(d: Diagnostic) -> str:
    # Code scanning shows only this text, so the factor and the remedy go into it as sentences.
    parts = [d.message.rstrip(".") + "."]
    if d.factor:
        parts.append(f"Effect on the update: {d.factor}.")
    if d.suggestion:
        parts.append(d.suggestion)
    return " ".join(parts)


def _fix(fix: Fix, path: str, ctx: ReportContext) -> dict | None:
    """The fix as SARIF replacements; None (no `fixes` entry) when it cannot be said in the file's
    own coordinates: in a notebook, every edit must fall inside one JSON string of a cell's source
    (the content is then JSON-escaped)."""
    if any(edit.span.cell is not None for edit in fix.edits):
        replacements = [file_replacement(path, edit, Path(ctx.cwd), ctx.sources) for edit in fix.edits]
        if any(replacement is None for replacement in replacements):
            return None
    else:
        replacements = [(edit.span, edit.content) for edit in fix.edits]
    return {
        "description": {"text": f"{fix.description} ({fix.applicability} fix)"},
        "artifactChanges": [
            {
                "artifactLocation": _artifact(path, ctx),
                "replacements": [
                    {"deletedRegion": _region(span), "insertedContent": {"text": content}}
                    for span, content in replacements
                ],
            }
        ],
        "properties": {"applicability": fix.applicability},
    }


def _result(d: Diagnostic, rule_index: int, ctx: ReportContext) -> dict:
    result: dict = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[d.severity],
        "message": {"text": _message(d)},
        "locations": [_location(d.path, d.span, ctx)],
    }
    if d.related:
        result["relatedLocations"] = [
            {"id": i, **_location(r.path or d.path, r.span, ctx, r.message)} for i, r in enumerate(d.related, 1)
        ]
    fix = _fix(d.fix, d.path, ctx) if d.fix is not None else None
    if fix is not None:
        result["fixes"] = [fix]
    return result

