"""GitHub annotations, GitLab Code Quality and JUnit XML."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from integration_samples import legacy_argument, multi_line, sum_loss_with_sgd
from lossscale_lint.diagnostics import Diagnostic, Severity, Span
from lossscale_lint.reporters.base import ReportContext
from lossscale_lint.reporters.github import report_github
from lossscale_lint.reporters.gitlab import report_gitlab
from lossscale_lint.reporters.junit import report_junit

ANNOTATION = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path


def parse_annotation(line: str) -> tuple[str, dict[str, str], str]:
    kind, props, message = ANNOTATION.match(line).groups()
    return kind, dict(p.split("=", 1) for p in props.split(",")), message


# --- GitHub -----------------------------------------------------------------------------------

def test_github_one_line_range_carries_columns(repo):
    out = report_github([legacy_argument()], ReportContext(cwd=repo)).splitlines()
    kind, props, message = parse_annotation(out[0])
    assert kind == "warning"
    assert props == {"file": "train.py", "line": "2", "endLine": "2", "col": "17", "endColumn": "35",
                     "title": "LSL401 deprecated-size-average-reduce"}
    assert message.startswith("LSL401 size_average=False is deprecated")
    assert out[-1] == "lossscale-lint: 1 diagnostic (1 warning) in 1 file"


def test_github_multi_line_range_has_no_columns(repo):
    kind, props, _ = parse_annotation(report_github([multi_line()], ReportContext(cwd=repo)).splitlines()[0])
    assert kind == "error"
    assert (props["line"], props["endLine"]) == ("10", "12")
    assert "col" not in props and "endColumn" not in props


def test_github_escapes_properties_and_message(repo):
    tricky = Diagnostic(code="LSL104", name="n", severity=Severity.INFO, message="100% of\nbatch: a, b\r",
                        span=Span(line=1, column=1, end_line=1, end_column=2), path="dir,x/a:b.py")
    line = report_github([tricky], ReportContext(cwd=repo)).splitlines()[0]
    assert line.startswith("::notice file=dir%2Cx/a%3Ab.py,line=1,")
    assert line.endswith("::LSL104 100%25 of%0Abatch: a, b%0D")
    # Factor and suggestion become extra lines of the same annotation.
    multi = report_github([sum_loss_with_sgd()], ReportContext(cwd=repo)).splitlines()[0]
    assert "%0AEffect on the update: x B'/B on every SGD step%0AFix: use reduction=" in multi


def test_github_paths_are_repository_relative(repo):
    (repo / "pkg").mkdir()
    line = report_github([legacy_argument("train.py")], ReportContext(cwd=repo / "pkg")).splitlines()[0]
    assert parse_annotation(line)[1]["file"] == "pkg/train.py"


def test_github_summary_points_at_sarif_beyond_the_annotation_cap(repo):
    many = [legacy_argument(line=n) for n in range(1, 13)]
    out = report_github(many, ReportContext(cwd=repo)).splitlines()
    assert len([line for line in out if line.startswith("::warning")]) == 12
    assert out[-2] == "lossscale-lint: 12 diagnostics (12 warnings) in 1 file"
    assert "sarif" in out[-1]
    assert report_github([], ReportContext(cwd=repo)) == "lossscale-lint: 0 diagnostics\n"


# --- GitLab -----------------------------------------------------------------------------------

def gitlab(diagnostics, repo, sources):
    return json.loads(report_gitlab(diagnostics, ReportContext(cwd=repo, sources=sources)))


def test_gitlab_code_quality_fields(repo):
    source = "import torch.nn as nn\ncrit = nn.MSELoss(size_average=False)\n"
    [issue] = gitlab([legacy_argument()], repo, {"train.py": source})
    assert issue["check_name"] == "LSL401" and issue["severity"] == "major"
    assert issue["location"] == {"path": "train.py", "positions": {"begin": {"line": 2, "column": 17},
                                                                   "end": {"line": 2, "column": 35}}}
    assert re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"])
    assert gitlab([sum_loss_with_sgd()], repo, {"train.py": source})[0]["severity"] == "critical"


def test_gitlab_fingerprint_survives_moved_lines_but_not_changed_code(repo):
    before = "import torch.nn as nn\ncrit = nn.MSELoss(size_average=False)\n"
    moved = "import torch.nn as nn\n\n\n# new comment\ncrit = nn.MSELoss(size_average=False)\n"
    changed = "import torch.nn as nn\ncriterion = nn.MSELoss(size_average=False)\n"
    [a] = gitlab([legacy_argument(line=2)], repo, {"train.py": before})
    [b] = gitlab([legacy_argument(line=5)], repo, {"train.py": moved})
    [c] = gitlab([legacy_argument(line=2)], repo, {"train.py": changed})
    assert a["fingerprint"] == b["fingerprint"] != c["fingerprint"]
    [d] = gitlab([legacy_argument("other.py", line=2)], repo, {"other.py": before})
    assert d["fingerprint"] != a["fingerprint"]


def test_gitlab_identical_lines_get_distinct_fingerprints(repo):
    source = "x\ncrit = nn.MSELoss(size_average=False)\ncrit = nn.MSELoss(size_average=False)\n"
    issues = gitlab([legacy_argument(line=2), legacy_argument(line=3)], repo, {"train.py": source})
    assert len({i["fingerprint"] for i in issues}) == 2


def test_gitlab_reads_the_line_from_disk_when_the_run_did_not_pass_it(repo):
    (repo / "train.py").write_text("a\ncrit = nn.MSELoss(size_average=False)\n", encoding="utf-8")
    [from_disk] = gitlab([legacy_argument()], repo, {})
    [given] = gitlab([legacy_argument()], repo, {"train.py": "a\ncrit = nn.MSELoss(size_average=False)\n"})
    assert from_disk["fingerprint"] == given["fingerprint"]


# --- JUnit ------------------------------------------------------------------------------------

def test_junit_one_suite_per_file_one_failure_per_diagnostic(repo):
    out = report_junit([sum_loss_with_sgd(), legacy_argument(), multi_line("b.py")], ReportContext(cwd=repo))
    root = ET.fromstring(out)
    assert root.tag == "testsuites" and root.get("tests") == "3" and root.get("failures") == "3"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert sorted(suites) == ["b.py", "train.py"]
    cases = suites["train.py"].findall("testcase")
    assert [c.find("failure").get("type") for c in cases] == ["warning", "error"]
    text = cases[1].find("failure").text
    assert text.splitlines()[0].startswith("train.py:3:32: LSL101 ")
    assert "train.py:5:7: note: optimizer created here" in text


def test_junit_clean_run_is_one_passing_case_and_control_characters_are_replaced(repo):
    root = ET.fromstring(report_junit([], ReportContext(cwd=repo, files_checked=3)))
    [case] = root.iter("testcase")
    assert case.get("name") == "no diagnostics in 3 files" and case.find("failure") is None
    odd = Diagnostic(code="LSL000", name="syntax-error", severity=Severity.ERROR, message="bad \x0c char",
                     span=Span(line=1, column=1, end_line=1, end_column=1), path="a.py")
    failure = next(ET.fromstring(report_junit([odd], ReportContext(cwd=repo))).iter("failure"))
    assert failure.get("message") == "LSL000 bad \ufffd char"


# --- Through the command line -------------------------------------------------------------------

BAD_SCRIPT = "import torch.nn as nn\ncrit = nn.MSELoss(size_average=False)\n"


def check(repo: Path, output_format: str, *paths: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lossscale_lint", "check", "--output-format", output_format, *paths],
                          cwd=repo, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("output_format", ["github", "gitlab", "junit"])
def test_formats_from_the_command_line(repo, output_format):
    (repo / "pkg").mkdir()
    (repo / "pkg" / "train.py").write_text(BAD_SCRIPT, encoding="utf-8")
    result = check(repo / "pkg", output_format, ".")
    assert result.returncode == 1, result.stderr
    if output_format == "github":
        kind, props, _ = parse_annotation(result.stdout.splitlines()[0])
        assert (kind, props["file"], props["line"], props["col"]) == ("warning", "pkg/train.py", "2", "19")
    elif output_format == "gitlab":
        [issue] = json.loads(result.stdout)
        assert issue["location"]["path"] == "pkg/train.py" and issue["check_name"] == "LSL401"
    else:
        [failure] = ET.fromstring(result.stdout).iter("failure")
        assert failure.get("message").startswith("LSL401 ")


@pytest.mark.slow
def test_files_that_could_not_be_checked_are_not_reported_as_clean(repo):
    (repo / "ok.py").write_text("x = 1\n", encoding="utf-8")
    (repo / "latin1.py").write_bytes(b"x = '\xe9'\n")  # not UTF-8 and no coding cookie
    junit = check(repo, "junit", ".")
    assert junit.returncode == 2 and "latin1.py" in junit.stderr
    root = ET.fromstring(junit.stdout)
    assert root.get("errors") == "1" and root.get("failures") == "0"
    assert next(root.iter("error")).get("message").startswith("1 file could not be read")
    github = check(repo, "github", ".")
    assert github.stdout.splitlines()[-1] == "lossscale-lint: 0 diagnostics; 1 file could not be checked"
