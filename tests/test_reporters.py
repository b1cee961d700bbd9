"""The text, concise and json reporters, on diagnostics produced by the real engine."""

from __future__ import annotations

import json
from dataclasses import replace

import jsonschema
import pytest
from cli_support import MARKER_CODE, loss_source, marker_rule  # noqa: F401 - fixture

from lossscale_lint.diagnostics import Diagnostic, Severity, Span
from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.reporters import REPORTERS, ReportContext
from lossscale_lint.reporters.text import frame
from lossscale_lint.pipeline.linting import lint_text

ONLY_MARKER = AnalysisOptions(is_selected=lambda code: code == MARKER_CODE)


@pytest.fixture
def marked(marker_rule):
    source = loss_source()
    diagnostics = lint_text(source, "pkg/train.py", ONLY_MARKER)
    assert len(diagnostics) == 1
    return diagnostics, ReportContext(files_checked=3, sources={"pkg/train.py": source})


def test_text_shape(marked):
    diagnostics, ctx = marked
    assert REPORTERS["text"](diagnostics, ctx) == (
        "pkg/train.py:2:8: LSL901 loss MSELoss constructed here\n"
        "  |\n"
        "2 | crit = nn.MSELoss()\n"
        "  |        ^^^^^^^^^^^^\n"
        "pkg/train.py:1:1: note: imported here\n"
        "  |\n"
        "1 | import torch.nn as nn\n"
        "  | ^^^^^^\n"
        "   = factor: x 1 (test factor)\n"
        "   = suggestion: nothing to do, this is a test rule\n"
        "   = fix (unsafe): rename the call [run with --fix --unsafe-fixes]\n"
        "\n"
        "Found 1 problem (0 errors, 1 warning) in 1 of 3 files.\n"
        "1 fixable with --fix --unsafe-fixes.\n"
    )


def test_text_is_plain_without_colour_and_coloured_with_it(marked):
    diagnostics, ctx = marked
    assert "\x1b[" not in REPORTERS["text"](diagnostics, ctx)
    coloured = REPORTERS["text"](diagnostics, ReportContext(sources=ctx.sources, color=True))
    assert "\x1b[" in coloured
    assert "LSL901" in coloured and "crit = nn.MSELoss()" in coloured


def test_text_survives_brackets_and_missing_sources():
    diagnostic = Diagnostic(
        code="LSL101", name="x", severity=Severity.ERROR, message="[bold]not markup[/bold]",
        span=Span(line=40, column=1, end_line=40, end_column=2), path="gone.py",
    )
    out = REPORTERS["text"]([diagnostic], ReportContext(color=True))
    assert "[bold]not markup[/bold]" in out
    assert "40 |" not in out  # no source, no frame


def test_frame_of_a_multiline_span_and_tab_indentation():
    lines = ["loss = crit(", "\tout,", "\ttarget)", "rest"]
    rendered = [t.plain for t in frame(Span(line=1, column=8, end_line=3, end_column=9), lines)]
    assert rendered == [
        "  |",
        "1 | loss = crit(",
        "  |        ^^^^^",
        "2 | \tout,",
        "  | \t^^^^",
        "3 | \ttarget)",
        "  | \t^^^^^^^",
    ]
    assert frame(Span(line=9, column=1, end_line=9, end_column=2), lines) == []


def test_concise_is_one_line_per_diagnostic(marked):
    diagnostics, ctx = marked
    twice = [diagnostics[0], replace(diagnostics[0], path="b.py")]
    lines = REPORTERS["concise"](twice, ctx).splitlines()
    assert lines == [
        "pkg/train.py:2:8: LSL901 loss MSELoss constructed here",
        "b.py:2:8: LSL901 loss MSELoss constructed here",
        "Found 2 problems (0 errors, 2 warnings) in 2 of 3 files.",
        "2 fixable with --fix --unsafe-fixes.",
    ]


# The documented JSON format (README.md, "Output formats"), as a schema: exactly these keys, these types.
POSITION = {"type": "integer", "minimum": 1}
JSON_FORMAT_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["code", "name", "url", "severity", "message", "path", "line", "column", "end_line",
                     "end_column", "related", "fix", "factor", "suggestion"],
        "properties": {
            "code": {"type": "string", "pattern": "^LSL[0-9]{3}$"},
            "name": {"type": "string"},
            "url": {"type": ["string", "null"]},
            "severity": {"enum": ["error", "warning", "info"]},
            "message": {"type": "string"},
            "path": {"type": "string"},
            "line": POSITION, "column": POSITION, "end_line": POSITION, "end_column": POSITION,
            "factor": {"type": ["string", "null"]},
            "suggestion": {"type": ["string", "null"]},
            "related": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["path", "line", "column", "end_line", "end_column", "message"],
                "properties": {"path": {"type": "string"}, "line": POSITION, "column": POSITION,
                               "end_line": POSITION, "end_column": POSITION,
                               "message": {"type": "string"}}}},
            "fix": {"oneOf": [{"type": "null"}, {
                "type": "object", "additionalProperties": False,
                "required": ["applicability", "description", "edits"],
                "properties": {
                    "applicability": {"enum": ["safe", "unsafe"]},
                    "description": {"type": "string"},
                    "edits": {"type": "array", "items": {
                        "type": "object", "additionalProperties": False,
                        "required": ["line", "column", "end_line", "end_column", "content"],
                        "properties": {"line": POSITION, "column": POSITION, "end_line": POSITION,
                                       "end_column": POSITION, "content": {"type": "string"}}}}}}]},
        },
    },
}


def test_json_shape_and_values(marked):
    diagnostics, ctx = marked
    data = json.loads(REPORTERS["json"](diagnostics, ctx))
    jsonschema.validate(data, JSON_FORMAT_SCHEMA)
    [item] = data
    assert (item["code"], item["severity"], item["path"]) == ("LSL901", "warning", "pkg/train.py")
    assert (item["line"], item["column"], item["end_line"], item["end_column"]) == (2, 8, 2, 20)
    assert item["related"] == [{"path": "pkg/train.py", "line": 1, "column": 1, "end_line": 1, "end_column": 7,
                                "message": "imported here"}]
    assert item["fix"] == {"applicability": "unsafe", "description": "rename the call",
                           "edits": [{"line": 2, "column": 8, "end_line": 2, "end_column": 10, "content": "zz"}]}


def test_json_syntax_error_and_empty_run():
    [diagnostic] = lint_text("def f(:\n", "bad.py", AnalysisOptions())
    data = json.loads(REPORTERS["json"]([diagnostic], ReportContext()))
    jsonschema.validate(data, JSON_FORMAT_SCHEMA)
    assert data[0]["code"] == "LSL000" and data[0]["fix"] is None and data[0]["line"] == 1
    assert json.loads(REPORTERS["json"]([], ReportContext())) == []


@pytest.mark.parametrize(
    ("severities", "ctx", "expected"),
    [
        ([], ReportContext(files_checked=93), ["Checked 93 files: no problems found."]),
        ([], ReportContext(files_checked=1), ["Checked 1 file: no problems found."]),
        ([], ReportContext(), ["Checked 0 files: no problems found."]),
        ([], ReportContext(files_checked=4, files_failed=1), ["Checked 4 files: no problems found.",
                                                              "1 file could not be checked (errors on stderr)."]),
        (["error", "error", "info"], ReportContext(files_checked=93),
         ["Found 3 problems (2 errors, 0 warnings, 1 info) in 1 of 93 files."]),
        (["error"], ReportContext(files_checked=1), ["Found 1 problem (1 error, 0 warnings) in 1 of 1 file."]),
        # A caller that did not count the checked files: no "of 0".
        (["error", "error", "info"], ReportContext(),
         ["Found 3 problems (2 errors, 0 warnings, 1 info) in 1 file."]),
        (["warning"], ReportContext(fixes_applied=2, unsafe_fixes_available=3),
         ["Fixed 2 problems.", "Found 1 problem (0 errors, 1 warning) in 1 file.",
          "3 more fixes available with --unsafe-fixes."]),
    ],
)
def test_summary_lines(severities, ctx, expected):
    diagnostics = [
        Diagnostic(code="LSL101", name="n", severity=Severity(s), message="m",
                   span=Span(line=1, column=1, end_line=1, end_column=2), path="a.py")
        for s in severities
    ]
    assert REPORTERS["concise"](diagnostics, ctx).splitlines()[len(diagnostics):] == expected


def test_the_summary_counts_what_fix_would_fix_and_concise_marks_safe_fixes(marked):
    diagnostics, ctx = marked
    unsafe = diagnostics[0]
    safe = replace(unsafe, path="b.py", fix=replace(unsafe.fix, applicability="safe"))
    lines = REPORTERS["concise"]([unsafe, safe, replace(unsafe, path="c.py", fix=None)], ctx).splitlines()
    assert lines[0] == "pkg/train.py:2:8: LSL901 loss MSELoss constructed here"  # unsafe: not marked
    assert lines[1] == "b.py:2:8: LSL901 [*] loss MSELoss constructed here"
    assert lines[-1] == "1 fixable with --fix (1 more with --unsafe-fixes)."
    after_fix = replace(ctx, fix_run=True)
    fixed_run = REPORTERS["concise"]([safe], after_fix).splitlines()
    assert fixed_run == ["b.py:2:8: LSL901 loss MSELoss constructed here", "Found 1 problem (0 errors, 1 warning) in 1 of 3 files."]


def test_carets_take_the_colour_of_the_severity_and_notes_their_own(marked):
    from lossscale_lint.diagnostics import Severity

    diagnostics, ctx = marked
    coloured = replace(ctx, color=True)
    warning = REPORTERS["text"](diagnostics, coloured)
    error = REPORTERS["text"]([replace(diagnostics[0], severity=Severity.ERROR)], coloured)
    carets = "^" * 12  # under `nn.MSELoss()`

    def caret_style(text: str) -> str:
        before = text[:text.index(carets)]
        return before[before.rindex("\x1b["):]

    assert caret_style(warning) != caret_style(error)
    assert "33" in caret_style(warning) and "31" in caret_style(error)  # yellow for warnings, red for errors
