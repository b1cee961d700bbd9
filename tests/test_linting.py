"""The one `lint_text` above the engine: suppressions, the syntax-error switch for the fixer, and
error containment as one `AnalysisError` line, which the flake8 plugin and the language server
turn into their own kind of message."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.diagnostics import Severity
from lossscale_lint.integrations.flake8 import LossScaleChecker
from lossscale_lint.integrations.lsp.analysis import analyse
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


def test_a_crash_is_one_analysis_error_line(crashing_rule):
    with pytest.raises(AnalysisError) as raised:
        lint_text(LEGACY, "t.py", AnalysisOptions())
    message = str(raised.value)
    assert message.startswith("internal error while analysing: ValueError: rule bug second line (at ")
    assert "\n" not in message and "(at " in message and "test_linting.py" in message


def test_recursion_is_too_deep_to_analyse(monkeypatch):
    def too_deep(ctx):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setitem(ALL_RULES, "LSL998", Rule("LSL998", "deep", Severity.ERROR, "test", too_deep))
    with pytest.raises(AnalysisError, match=r"^too deeply nested to analyse$"):
        lint_text(LEGACY, "t.py", AnalysisOptions())


def test_flake8_gets_one_result_for_a_crash(crashing_rule, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "t.py"
    [(line, column, text, _)] = LossScaleChecker(None, str(path), LEGACY.splitlines(True)).run()
    assert (line, column) == (1, 0)
    assert text.startswith("LSL000 lossscale-lint could not analyse this file: internal error while analysing: ")


def test_flake8_leaves_noqa_to_flake8(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = list(LossScaleChecker(None, str(tmp_path / "t.py"), QUIET.splitlines(True)).run())
    assert [(line, text.split()[0]) for line, _, text, _ in results] == [(2, "LSL401")]


def test_the_language_server_shows_a_crash_as_a_problem(crashing_rule, tmp_path):
    path = str(tmp_path / "t.py")
    result = analyse(LEGACY, 3, path, Path(tmp_path))
    assert result.diagnostics == () and result.version == 3
    assert result.problem.startswith(f"{path}: internal error while analysing: ValueError: rule bug")
