"""LSL900 unused-noqa (issue 13): off by default, judged against what the other rules found, silent
where it cannot know, and its safe fix removes only the codes it names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import run_console_script

from lossscale_lint.config.options import AnalysisOptions, RuleSelection
from lossscale_lint.fixes.apply import apply_fixes
from lossscale_lint.pipeline.linting import lint_text

HEADER = (
    "import torch\n"
    "from torch import nn\n"
    "model = nn.Linear(10, 1)\n"
)
LOOP = (
    "for inputs, targets in loader:\n"
    "    optimizer.zero_grad()\n"
    "    loss = criterion(model(inputs), targets)\n"
    "    loss.backward()\n"
    "    optimizer.step()\n"
)
SUMMED = 'criterion = nn.MSELoss(reduction="sum")'
MEAN = "criterion = nn.MSELoss()"
SGD = "optimizer = torch.optim.SGD(model.parameters(), lr=0.01)"
WITH_LSL900 = AnalysisOptions(is_selected=RuleSelection(select=("LSL", "LSL900")))


def script(criterion: str, optimizer: str = SGD) -> str:
    return f"{HEADER}{criterion}\n{optimizer}\n{LOOP}"


def unused(source: str, options: AnalysisOptions = WITH_LSL900, base: str | None = None) -> list[tuple[int, str]]:
    return [(d.span.line, d.message) for d in lint_text(source, "train.py", options, base) if d.code == "LSL900"]


def fixed(source: str) -> str:
    found = lint_text(source, "train.py", WITH_LSL900)
    return apply_fixes(source, found, unsafe=False, path="train.py", options=WITH_LSL900).new_source


def test_a_code_that_suppresses_a_finding_is_used():
    assert unused(script(f"{SUMMED}  # noqa: LSL101")) == []
    assert unused(script(f"{SUMMED}  # noqa: LSL1")) == []  # a prefix, used by LSL101


def test_a_stale_code_is_reported_with_the_code():
    assert unused(script(f"{MEAN}  # noqa: LSL101")) == [(4, "Unused `noqa` code LSL101")]


def test_a_code_that_names_no_rule_is_unknown():
    assert unused(script(f"{SUMMED}  # noqa: LSL101, LSL1011")) == [(4, "Unknown `noqa` code LSL1011")]


def test_unused_and_unknown_together_in_one_diagnostic():
    assert unused(script(f"{MEAN}  # noqa: LSL101, LSL104, LSL998")) == [
        (4, "Unused `noqa` codes LSL101, LSL104; unknown `noqa` code LSL998")]


@pytest.mark.parametrize("comment", ["# noqa", "# noqa: E501", "# noqa: BLE001, F401", "# NOQA:E501"])
def test_other_tools_codes_and_a_bare_noqa_are_not_judged(comment):
    assert unused(script(f"{MEAN}  {comment}")) == []


def test_off_by_default_and_not_selected_by_the_bare_family():
    source = script(f"{MEAN}  # noqa: LSL101")
    assert unused(source, AnalysisOptions()) == []
    assert unused(source, AnalysisOptions(is_selected=RuleSelection(select=("LSL",)))) == []
    assert unused(source, AnalysisOptions(is_selected=RuleSelection(select=("LSL1", "LSL9")))) != []
    # LSL900 alone: LSL101 did not run, so its code cannot be judged.
    assert unused(source, AnalysisOptions(is_selected=RuleSelection(select=("LSL9",)))) == []


def test_a_code_whose_rule_did_not_run_is_not_judged():
    source = script(f"{MEAN}  # noqa: LSL101")
    ignored = AnalysisOptions(is_selected=RuleSelection(select=("LSL", "LSL900"), ignore=("LSL101",)))
    assert unused(source, ignored) == []
    # The change-aware rules run only with a base; with a changed base they are judged.
    change = script(f"{MEAN}  # noqa: LSL501")
    assert unused(change) == []
    assert unused(change, base=change.replace("lr=0.01", "lr=0.02")) == [(4, "Unused `noqa` code LSL501")]


def test_a_file_that_does_not_parse_gets_only_its_syntax_error():
    broken = script(f"{MEAN}  # noqa: LSL101").replace("for inputs, targets in loader:", "for inputs in loader")
    assert [d.code for d in lint_text(broken, "train.py", WITH_LSL900)] == ["LSL000"]


@pytest.mark.parametrize("comment", ["# noqa: LSL900, LSL101", "# noqa: LSL9, LSL104"])
def test_a_noqa_that_names_lsl900_is_never_reported(comment):
    assert unused(script(f"{MEAN}  {comment}")) == []


def test_a_notebook_style_nothing_to_find_file_reports_every_stale_code():
    # The pre-check proves no rule can fire here, so every code of this tool is stale.
    assert unused("x = 1  # noqa: LSL101\n") == [(1, "Unused `noqa` code LSL101")]


@pytest.mark.parametrize(("line", "after"), [
    (f"{MEAN}  # noqa: LSL101", MEAN),
    (f"{MEAN}  # noqa: LSL101, E501", f"{MEAN}  # noqa: E501"),
    (f"{MEAN}  # noqa: E501,LSL101", f"{MEAN}  # noqa: E501"),
    (f"{MEAN}  # type: ignore  # noqa: LSL101", f"{MEAN}  # type: ignore"),
    (f"{MEAN}  # noqa: LSL101 - kept for the old config", f"{MEAN}  # - kept for the old config"),
    (f"{SUMMED}  # noqa: LSL101, LSL104", f"{SUMMED}  # noqa: LSL101"),
])
def test_the_fix_removes_only_what_it_names(line, after):
    source = script(line)
    result = fixed(source)
    assert result == script(after)
    assert unused(result) == []
    assert fixed(result) == result  # idempotent


# --- through the real console script ---------------------------------------------------------------

@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(script(f"{MEAN}  # noqa: LSL101, E501"), encoding="utf-8")
    return tmp_path


def test_console_script_reports_it_only_when_selected(project: Path) -> None:
    quiet = run_console_script(["check", "--no-cache", "--output-format", "concise", "train.py"], project)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    loud = run_console_script(["check", "--no-cache", "--output-format", "concise", "--extend-select", "LSL900",
                               "train.py"], project)
    assert loud.returncode == 1
    assert "train.py:4:27: LSL900 [*] Unused `noqa` code LSL101" in loud.stdout


def test_console_script_selects_it_from_the_config_and_fixes_it(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.lossscale-lint]\nextend-select = ["LSL900"]\n', encoding="utf-8")
    listed = run_console_script(["check", "--no-cache", "--output-format", "json", "train.py"], project)
    [diagnostic] = json.loads(listed.stdout)
    assert diagnostic["code"] == "LSL900" and diagnostic["fix"]["applicability"] == "safe"
    result = run_console_script(["check", "--no-cache", "--fix", "train.py"], project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / "train.py").read_text(encoding="utf-8") == script(f"{MEAN}  # noqa: E501")


def test_rules_lists_it_as_opt_in(tmp_path: Path) -> None:
    listing = json.loads(run_console_script(["rules", "--output-format", "json"], tmp_path).stdout)
    assert [rule["code"] for rule in listing if rule["opt_in"]] == ["LSL900"]


def test_the_fix_places_its_edit_by_the_tokenizer_s_lines():
    # A form feed inside a string is a line break to str.splitlines but not to Python: the edit
    # must still land on the comment's own line.
    explicit_mean = 'criterion = nn.MSELoss(reduction="mean")'
    source = 'NOTE = "a\x0cb"\n' + script(f"{explicit_mean}  # noqa: LSL101")
    assert fixed(source) == 'NOTE = "a\x0cb"\n' + script(explicit_mean)
