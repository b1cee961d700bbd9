"""Issue 13: behave like the linters people already trust, through the real console script.

A typo in a rule code must not turn checking off, and an empty selection must not read as a pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import SUMMED_SCRIPT, run_console_script, run_on_a_terminal

SUMMED = SUMMED_SCRIPT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(SUMMED, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("args", [
    ["--select", "LSL998"], ["--select", "LSL8"], ["--extend-select", "LSL7"], ["--ignore", "LSL101,LSL998"],
])
def test_a_selector_that_matches_no_rule_is_a_one_line_error(project: Path, args: list[str]) -> None:
    result = run_console_script(["check", *args, "train.py"], project)
    assert result.returncode == 2, result.stdout
    [line] = result.stderr.splitlines()
    assert line.startswith("lossscale-lint: error: --") and "matches no rule" in line
    assert "problems found" not in result.stdout and "passed" not in result.stdout


@pytest.mark.parametrize("table", [
    'ignore = ["LSL998"]', 'select = ["LSL1", "LSL8"]', 'extend-select = ["LSL6"]',
    '[tool.lossscale-lint.per-file-ignores]\n"train.py" = ["LSL1O1"]',
    '[tool.lossscale-lint.per-file-ignores]\n"train.py" = ["LSL199"]',
])
def test_a_configured_selector_that_matches_no_rule_names_the_file(project: Path, table: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.lossscale-lint]\n{table}\n", encoding="utf-8")
    result = run_console_script(["check", "train.py"], project)
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert "pyproject.toml" in line and line.startswith("lossscale-lint: error:")


def test_known_prefixes_still_select(project: Path) -> None:
    result = run_console_script(["check", "--select", "LSL1", "--ignore", "LSL102", "train.py"], project)
    assert result.returncode == 1 and "LSL101" in result.stdout, result.stderr


@pytest.mark.parametrize("layout", ["empty", "no-python"])
def test_an_empty_selection_warns_that_no_python_files_were_found(tmp_path: Path, layout: str) -> None:
    target = tmp_path / "data"
    target.mkdir()
    if layout == "no-python":
        (target / "notes.txt").write_text("not code\n", encoding="utf-8")
    result = run_console_script(["check", "data"], tmp_path)
    assert result.returncode == 0
    assert result.stderr == "lossscale-lint: warning: no Python files found under the given paths\n"


def test_a_selection_with_files_gives_no_such_warning(project: Path) -> None:
    result = run_console_script(["check", "--ignore", "LSL1", "."], project)
    assert result.returncode == 0 and result.stderr == ""


# --- respect-gitignore, with real git --------------------------------------------------------

def _git(cwd: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@invalid", *args], cwd=cwd,
                   check=True, capture_output=True)


@pytest.fixture
def repo_with_copies(tmp_path: Path) -> Path:
    """A repository whose run outputs hold copies of the training script (as wandb keeps them)."""
    _git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("outputs/\n", encoding="utf-8")
    for place in ("train.py", "outputs/copy.py", "wandb/run-1/files/code/train.py", "vendored/kept.py"):
        (tmp_path / place).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / place).write_text(SUMMED, encoding="utf-8")
    (tmp_path / "wandb" / ".gitignore").write_text("run-*/\n", encoding="utf-8")  # a nested ignore file
    (tmp_path / "vendored" / ".gitignore").write_text("kept.py\n", encoding="utf-8")
    _git(tmp_path, "add", "-f", "vendored/kept.py")  # tracked despite the pattern: git says not ignored
    return tmp_path


def reported_files(stdout: str) -> set[str]:
    return {line.split(":", 1)[0] for line in stdout.splitlines() if ": LSL" in line}


def test_a_walk_skips_what_git_ignores(repo_with_copies: Path) -> None:
    result = run_console_script(["check", "--no-cache", "--output-format", "concise", "."], repo_with_copies)
    assert reported_files(result.stdout) == {"train.py", "vendored/kept.py"}, result.stdout


def test_respect_gitignore_false_walks_everything(repo_with_copies: Path) -> None:
    (repo_with_copies / "pyproject.toml").write_text("[tool.lossscale-lint]\nrespect-gitignore = false\n",
                                                    encoding="utf-8")
    result = run_console_script(["check", "--no-cache", "--output-format", "concise", "."], repo_with_copies)
    assert reported_files(result.stdout) == {"train.py", "vendored/kept.py", "outputs/copy.py",
                                             "wandb/run-1/files/code/train.py"}, result.stdout


def test_an_ignored_file_named_on_the_command_line_is_still_checked(repo_with_copies: Path) -> None:
    result = run_console_script(["check", "--no-cache", "--output-format", "concise", "outputs/copy.py"],
                                repo_with_copies)
    assert reported_files(result.stdout) == {"outputs/copy.py"}, result.stdout


def test_outside_a_repository_nothing_is_skipped(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.py\n", encoding="utf-8")  # not a repository: no meaning
    (tmp_path / "train.py").write_text(SUMMED, encoding="utf-8")
    result = run_console_script(["check", "--no-cache", "--output-format", "concise", "."], tmp_path)
    assert reported_files(result.stdout) == {"train.py"}, result.stdout + result.stderr


# --- output options, through the console script ----------------------------------------------

LEGACY = 'import torch.nn as nn\ncrit = nn.MSELoss(size_average=False)\n'


def test_the_plain_summary_counts_what_fix_would_fix(project: Path) -> None:
    (project / "legacy.py").write_text(LEGACY, encoding="utf-8")
    result = run_console_script(["check", "--no-cache", "."], project)
    assert result.stdout.splitlines()[-1] == "1 fixable with --fix.", result.stdout  # LSL101 here: no fix (B unknown)
    concise = run_console_script(["check", "--no-cache", "--output-format", "concise", "."], project)
    assert "legacy.py:2:19: LSL401 [*] `size_average=False`" in concise.stdout
    assert "train.py:5:33: LSL101 `CrossEntropyLoss" in concise.stdout  # no safe fix: not marked


def test_quiet_prints_the_diagnostics_and_nothing_else(project: Path) -> None:
    result = run_console_script(["check", "--no-cache", "-q", "--output-format", "concise", "."], project)
    assert result.returncode == 1
    assert [line.split(" ")[1] for line in result.stdout.splitlines()] == ["LSL101"], result.stdout
    empty = project / "nothing"
    empty.mkdir()
    quiet_empty = run_console_script(["check", "--quiet", "nothing"], project)
    assert quiet_empty.stdout == "" and quiet_empty.stderr == "" and quiet_empty.returncode == 0


def test_statistics_counts_per_rule(project: Path) -> None:
    (project / "legacy.py").write_text(LEGACY + "other = nn.L1Loss(size_average=False)\n", encoding="utf-8")
    result = run_console_script(["check", "--no-cache", "--statistics", "."], project)
    assert result.returncode == 1
    assert result.stdout == ("2\tLSL401\t[*] deprecated-size-average-reduce\n"
                             "1\tLSL101\t[ ] sum-loss-with-sgd\n"), result.stdout


def test_show_files_lists_what_would_be_checked(project: Path) -> None:
    (project / "build").mkdir()
    (project / "build" / "copy.py").write_text(SUMMED, encoding="utf-8")  # excluded by default
    (project / "pkg").mkdir()
    (project / "pkg" / "model.py").write_text("x = 1\n", encoding="utf-8")
    result = run_console_script(["check", "--show-files", "."], project)
    assert result.returncode == 0 and result.stdout.splitlines() == ["pkg/model.py", "train.py"]


def test_output_format_comes_from_the_command_line_then_the_environment_then_the_config(project: Path) -> None:
    import os
    import subprocess

    (project / "pyproject.toml").write_text('[tool.lossscale-lint]\noutput-format = "json"\n', encoding="utf-8")

    def run(*args: str, env: dict | None = None) -> str:
        return subprocess.run(["lossscale-lint", "check", "--no-cache", *args, "train.py"], cwd=project, text=True,
                              capture_output=True, env={**os.environ, **(env or {})}, timeout=60).stdout

    assert run().startswith("[")  # the config's json
    assert run(env={"LOSSSCALE_LINT_OUTPUT_FORMAT": "concise"}).startswith("train.py:5:33: LSL101")
    assert run("--output-format", "text", env={"LOSSSCALE_LINT_OUTPUT_FORMAT": "concise"}).startswith(
        "train.py:5:33: LSL101 `CrossEntropyLoss")
    assert "  |" in run("--output-format", "text")  # text frames the source line


def test_a_wrong_output_format_in_config_or_environment_is_an_error(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.lossscale-lint]\noutput-format = "xml"\n', encoding="utf-8")
    result = run_console_script(["check", "train.py"], project)
    assert result.returncode == 2 and "output-format" in result.stderr and "expected one of" in result.stderr


def test_the_config_choices_are_the_reporters() -> None:
    from lossscale_lint.config.table import SETTINGS
    from lossscale_lint.reporters import REPORTERS

    [setting] = [s for s in SETTINGS if s.name == "output_format"]
    assert set(setting.choices) == set(REPORTERS)


def test_rules_as_json(tmp_path: Path) -> None:
    import json

    from lossscale_lint.rules import ALL_RULES

    result = run_console_script(["rules", "--output-format", "json"], tmp_path)
    listing = json.loads(result.stdout)
    assert [r["code"] for r in listing] == list(ALL_RULES)
    assert {"code", "name", "severity", "fix", "summary", "finds", "opt_in"} == set(listing[1])


def test_check_reads_stdin_as_the_named_file(project: Path) -> None:
    import subprocess

    (project / "sub").mkdir()
    (project / "sub" / "pyproject.toml").write_text('[tool.lossscale-lint]\nignore = ["LSL401"]\n', encoding="utf-8")

    def run(*args: str, text: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["lossscale-lint", "check", *args], cwd=project, input=text, text=True,
                              capture_output=True, timeout=60)

    plain = run("-", "--stdin-filename", "sub/legacy.py", "--output-format", "concise", text=LEGACY + SUMMED[0:0])
    assert plain.returncode == 0, plain.stdout  # sub/'s config ignores LSL401
    found = run("-", "--stdin-filename", "train.py", "--output-format", "concise", text=SUMMED)
    assert found.returncode == 1 and found.stdout.startswith("train.py:5:33: LSL101")
    fixed = run("-", "--stdin-filename", "legacy.py", "--fix", text=LEGACY)
    assert fixed.stdout == 'import torch.nn as nn\ncrit = nn.MSELoss(reduction="sum")\n'
    assert fixed.returncode == 0 and "Fixed" not in fixed.stdout
    assert not (project / "legacy.py").exists()  # stdin in, stdout out: no file written


def test_check_help_groups_the_options_as_ruff_does(tmp_path: Path) -> None:
    result = run_console_script(["check", "--help"], tmp_path)
    text = result.stdout
    groups = ["rule selection:", "file selection:", "output:", "fixing:", "miscellaneous:"]
    assert [text.index(g) for g in groups] == sorted(text.index(g) for g in groups)
    output = text[text.index("output:"):text.index("fixing:")]
    assert all(flag in output for flag in ("--output-format", "--quiet", "--statistics"))
    files = text[text.index("file selection:"):text.index("output:")]
    assert all(flag in files for flag in ("--force-exclude", "--show-files", "--stdin-filename"))


# --- noqa prefixes --------------------------------------------------------------------------

@pytest.mark.parametrize(("comment", "silenced"), [
    ("# noqa: LSL1", True), ("# noqa: LSL10", True), ("# noqa: LSL101", True),
    ("# noqa: LSL2", False), ("# noqa: LSL102", False), ("# noqa: LSL1011", False),
])
def test_a_noqa_code_is_a_prefix_as_in_flake8_and_ruff(project: Path, comment: str, silenced: bool) -> None:
    source = SUMMED.replace('nn.CrossEntropyLoss(reduction="sum")', f'nn.CrossEntropyLoss(reduction="sum")  {comment}')
    (project / "train.py").write_text(source, encoding="utf-8")
    result = run_console_script(["check", "--no-cache", "--output-format", "concise", "train.py"], project)
    assert ("LSL101" not in result.stdout) is silenced, result.stdout


# --- terminal rendering ---------------------------------------------------------------------

def test_rules_is_readable_at_80_columns() -> None:
    from lossscale_lint.rules import ALL_RULES

    text = run_on_a_terminal(["rules"], columns=80)
    assert all(len(line) <= 80 for line in text.splitlines()), text
    flat = " ".join(text.split())
    for rule in ALL_RULES.values():  # every summary is there in full, not squeezed to nothing
        assert rule.code in flat and " ".join(rule.summary.split()) in flat, rule.code


def test_explain_piped_has_no_trailing_padding(tmp_path: Path) -> None:
    result = run_console_script(["explain", "LSL101"], tmp_path)
    assert result.returncode == 0 and "What it detects" in result.stdout
    assert all(line == line.rstrip() for line in result.stdout.splitlines())


# --- --add-noqa -----------------------------------------------------------------------------

def test_add_noqa_suppresses_every_current_diagnostic_in_place(project: Path) -> None:
    (project / "legacy.py").write_text(
        "import torch.nn as nn\n"
        "crit = nn.MSELoss(size_average=False)  # noqa: E501\n"
        "other = nn.L1Loss(size_average=False)\r\n", encoding="utf-8", newline="")
    result = run_console_script(["check", "--no-cache", "--add-noqa", "."], project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Added noqa comments to 3 lines.\n"
    assert (project / "legacy.py").read_bytes().decode() == (
        "import torch.nn as nn\n"
        "crit = nn.MSELoss(size_average=False)  # noqa: E501, LSL401\n"
        "other = nn.L1Loss(size_average=False)  # noqa: LSL401\r\n")  # the line's own ending kept
    assert "# noqa: LSL101" in (project / "train.py").read_text(encoding="utf-8")
    after = run_console_script(["check", "--no-cache", "."], project)
    assert after.returncode == 0 and after.stdout == "Checked 2 files: no problems found.\n"
    again = run_console_script(["check", "--no-cache", "--add-noqa", "."], project)
    assert again.stdout == "Added noqa comments to 0 lines.\n"  # idempotent


def test_add_noqa_leaves_a_file_where_the_comment_would_land_in_a_string(tmp_path: Path) -> None:
    text = 'import torch.nn as nn\ncrit = nn.MSELoss(size_average=False); notes = """\nsee above\n"""\n'
    (tmp_path / "strings.py").write_text(text, encoding="utf-8")
    result = run_console_script(["check", "--no-cache", "--add-noqa", "strings.py"], tmp_path)
    assert result.returncode == 2 and "would not be a comment there" in result.stderr
    assert (tmp_path / "strings.py").read_text(encoding="utf-8") == text


def test_show_settings_names_where_each_value_came_from(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.lossscale-lint]\nselect = ["LSL1"]\n', encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text(
        '[tool.lossscale-lint]\nignore = ["LSL401"]\nbatch-size-names = ["micro_bs"]\n', encoding="utf-8")
    (tmp_path / "sub" / "train.py").write_text(SUMMED, encoding="utf-8")
    result = run_console_script(["check", "--show-settings", "--ignore", "LSL104", "sub/train.py"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    config = str(tmp_path / "sub" / "pyproject.toml")
    assert lines[0] == "Settings for sub/train.py:" and lines[1] == f"  configuration file: {config}"
    assert f"  ignore = ['LSL401', 'LSL104']  ({config} + command line)" in lines
    assert f"  batch-size-names = ['micro_bs']  ({config})" in lines
    assert "  select = ['LSL']  (default)" in lines  # the nearest file decides, not the root's LSL1
    assert "  respect-gitignore = True  (default)" in lines
    folder = run_console_script(["check", "--show-settings", "sub"], tmp_path)
    assert folder.returncode == 2 and "takes one file" in folder.stderr
