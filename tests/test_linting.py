"""The one `lint_text` above the engine: suppressions, the syntax-error switch for the fixer, and
error containment: a crashing rule is its own LSL999 diagnostic, any other crash one
`AnalysisError` line, which the flake8 plugin and the language server turn into their own kind of
message."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.diagnostics import Severity
from lossscale_lint.integrations.flake8 import LossScaleChecker
from lossscale_lint.integrations.lsp.analysis import analyse
from lossscale_lint.pipeline import linting
from lossscale_lint.pipeline.linting import AnalysisError, lint_text
from lossscale_lint.rules import ALL_RULES
from lossscale_lint.rules.base import Rule

LEGACY = "import torch.nn as nn\ncrit = nn.MSELoss(size_average=False)\n"
QUIET = LEGACY.replace("False)\n", "False)  # noqa: LSL401\n")
ONLY_LSL401 = AnalysisOptions(is_selected=lambda code: code == "LSL401")


@pytest.fixture
def crashing_rule(monkeypatch):
    def crash(ctx):
        raise ValueError("rule bug\nsecond line")

    monkeypatch.setitem(ALL_RULES, "LSL998", Rule("LSL998", "crashes", Severity.ERROR, "test", crash))


@pytest.fixture
def crash_outside_the_rules(monkeypatch):
    def crash(source):
        raise ValueError("comment bug\nsecond line")

    monkeypatch.setattr(linting, "parse_suppressions", crash)


def test_noqa_applies_unless_the_caller_applies_it_itself():
    assert lint_text(QUIET, "t.py", AnalysisOptions()) == []
    [kept] = lint_text(QUIET, "t.py", AnalysisOptions(), noqa=False)
    assert kept.code == "LSL401"
    skipped = QUIET + "# lossscale-lint: skip-file\n"
    assert lint_text(skipped, "t.py", AnalysisOptions(), noqa=False) == []  # skip-file always counts


def test_the_fixer_always_sees_syntax_errors():
    broken = "crit = nn.MSELoss(size_average=False  # noqa\n"
    assert lint_text(broken, "t.py", ONLY_LSL401) == []  # deselected and suppressed
    [error] = lint_text(broken, "t.py", ONLY_LSL401, always_report_syntax_errors=True)
    assert error.code == "LSL000"
    skipped = "# lossscale-lint: skip-file\nx = (\n"
    assert [d.code for d in lint_text(skipped, "t.py", ONLY_LSL401, always_report_syntax_errors=True)] == ["LSL000"]
    # Text that parses keeps its suppressions and selection.
    assert lint_text(QUIET, "t.py", ONLY_LSL401, always_report_syntax_errors=True) == []


def test_an_unchanged_base_compares_nothing():
    assert lint_text(LEGACY, "t.py", AnalysisOptions(), LEGACY) == lint_text(LEGACY, "t.py", AnalysisOptions())


def test_a_crashing_rule_is_one_lsl999_beside_the_other_findings(crashing_rule):
    crashed, legacy = lint_text(LEGACY, "t.py", AnalysisOptions())
    assert (crashed.code, crashed.name, crashed.severity, crashed.span.line) == ("LSL999", "internal-error", Severity.ERROR, 1)
    assert crashed.message.startswith("internal error in rule LSL998 (crashes): ValueError: rule bug second line (at ")
    assert "\n" not in crashed.message and "test_linting.py" in crashed.message
    assert legacy.code == "LSL401"  # the other rules still ran
    ignored = AnalysisOptions(is_selected=lambda code: code != "LSL999")
    assert [d.code for d in lint_text(LEGACY, "t.py", ignored)] == ["LSL401"]


def test_a_crash_outside_the_rules_is_one_analysis_error_line(crash_outside_the_rules):
    with pytest.raises(AnalysisError) as raised:
        lint_text(LEGACY, "t.py", AnalysisOptions())
    message = str(raised.value)
    assert message.startswith("internal error while analysing: ValueError: comment bug second line (at ")
    assert "\n" not in message and "test_linting.py" in message


def test_recursion_is_too_deep_to_analyse(monkeypatch):
    def too_deep(ctx):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setitem(ALL_RULES, "LSL998", Rule("LSL998", "deep", Severity.ERROR, "test", too_deep))
    with pytest.raises(AnalysisError, match=r"^too deeply nested to analyse$"):
        lint_text(LEGACY, "t.py", AnalysisOptions())


def test_flake8_gets_one_result_for_a_crash(crash_outside_the_rules, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "t.py"
    [(line, column, text, _)] = LossScaleChecker(None, str(path), LEGACY.splitlines(True)).run()
    assert (line, column) == (1, 0)
    assert text.startswith("LSL000 lossscale-lint could not analyse this file: internal error while analysing: ")


def test_flake8_leaves_noqa_to_flake8(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = list(LossScaleChecker(None, str(tmp_path / "t.py"), QUIET.splitlines(True)).run())
    assert [(line, text.split()[0]) for line, _, text, _ in results] == [(2, "LSL401")]


def test_flake8_reports_a_crashing_rule_as_lsl999(crashing_rule, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = LossScaleChecker(None, str(tmp_path / "t.py"), LEGACY.splitlines(True)).run()
    assert [text.split()[0] for _, _, text, _ in results] == ["LSL999", "LSL401"]


def test_the_language_server_shows_a_crash_as_a_problem(crash_outside_the_rules, tmp_path):
    path = str(tmp_path / "t.py")
    result = analyse(LEGACY, 3, path, Path(tmp_path))
    assert result.diagnostics == () and result.version == 3
    assert result.problem.startswith(f"{path}: internal error while analysing: ValueError: comment bug")


def test_the_language_server_shows_a_crashing_rule_as_a_diagnostic(crashing_rule, tmp_path):
    result = analyse(LEGACY, 3, str(tmp_path / "t.py"), Path(tmp_path))
    assert [d.code for d in result.diagnostics] == ["LSL999", "LSL401"] and result.problem is None
