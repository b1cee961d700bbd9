"""Issue 13: behave like the linters people already trust, through the real console script.

A typo in a rule code must not turn checking off, and an empty selection must not read as a pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import run_console_script

SUMMED = '''\
import torch
from torch import nn

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for inputs, targets in []:
    criterion(model(inputs), targets).backward()
    optimizer.step()
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(SUMMED, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("args", [
    ["--select", "LSL999"], ["--select", "LSL9"], ["--extend-select", "LSL7"], ["--ignore", "LSL101,LSL999"],
])
def test_a_selector_that_matches_no_rule_is_a_one_line_error(project: Path, args: list[str]) -> None:
    result = run_console_script(["check", *args, "train.py"], project)
    assert result.returncode == 2, result.stdout
    [line] = result.stderr.splitlines()
    assert line.startswith("lossscale-lint: error: --") and "matches no rule" in line
    assert "problems found" not in result.stdout and "passed" not in result.stdout


@pytest.mark.parametrize("table", [
    'ignore = ["LSL999"]', 'select = ["LSL1", "LSL8"]', 'extend-select = ["LSL6"]',
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
