"""The progress bar of long runs (issue 13): on a terminal's stderr after about a second, counting
files done of the total, pre-check skips and cache hits; never in pipes, CI formats or --quiet."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from cli_support import run_on_a_terminal

from lossscale_lint.config.settings import load_settings
from lossscale_lint.pipeline.cache import DiagnosticsCache
from lossscale_lint.pipeline.runner import lint_paths

TRAINING_SCRIPT = Path(__file__).parent / "rule_cases" / "lsl101_bad_basic.py"
ANALYSED, TRIVIAL = 400, 100  # ~2 s of analysis with one process: well over the 1 s delay


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("many")
    for index in range(ANALYSED):
        shutil.copy(TRAINING_SCRIPT, root / f"train_{index}.py")
    for index in range(TRIVIAL):  # nothing for any rule: the text pre-check settles them
        (root / f"util_{index}.py").write_text(f"VALUE = {index}\n", encoding="utf-8")
    return root


def stderr_on_a_terminal(args: list[str], cwd: Path) -> str:
    return run_on_a_terminal(args, cwd, stdout_too=False)


class Recording:
    def __init__(self) -> None:
        self.total: int | None = None
        self.outcomes: Counter[str] = Counter()

    def set_total(self, files: int) -> None:
        self.total = files

    def advance(self, outcome: str) -> None:
        self.outcomes[outcome] += 1


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_runner_reports_every_file_with_how_it_was_answered(tmp_path: Path, jobs: int) -> None:
    for index in range(6):
        shutil.copy(TRAINING_SCRIPT, tmp_path / f"train_{index}.py")
    for index in range(4):
        (tmp_path / f"util_{index}.py").write_text("VALUE = 1\n", encoding="utf-8")
    (tmp_path / "bad.py").write_bytes(b"\xff\xfe\x00 not text")
    settings = load_settings(tmp_path)
    cache = DiagnosticsCache.open(tmp_path, create=True)
    cold = Recording()
    lint_paths([str(tmp_path)], settings, jobs=jobs, cache=cache, progress=cold)
    assert cold.total == 11
    assert cold.outcomes == {"analysed": 6, "prechecked": 4, "unreadable": 1}
    warm = Recording()
    lint_paths([str(tmp_path)], settings, jobs=jobs, cache=cache, progress=warm)
    assert warm.outcomes == {"cached": 10, "unreadable": 1}


@pytest.mark.slow
def test_a_long_run_on_a_terminal_shows_the_bar(tree: Path) -> None:
    text = stderr_on_a_terminal(["check", "--no-cache", "--jobs", "1", "."], tree)
    total = ANALYSED + TRIVIAL
    assert f"{total}/{total} files" in text, text[-500:]
    assert f"{TRIVIAL} skipped by the pre-check" in text and "0 from cache" in text
    # Files done count up while the run goes: the bar was drawn before the end.
    assert re.search(rf"\b[1-9]\d*/{total} files", text.replace(f"{total}/{total}", ""))


@pytest.mark.slow
@pytest.mark.parametrize("extra", [["--quiet"], ["--output-format", "github"], ["--output-format", "json"]])
def test_no_bar_in_quiet_or_machine_formats(tree: Path, extra: list[str]) -> None:
    text = stderr_on_a_terminal(["check", "--no-cache", "--jobs", "1", *extra, "."], tree)
    assert "Checking" not in text and " files" not in text, text[-300:]


@pytest.mark.slow
def test_no_bar_in_a_pipe(tree: Path) -> None:
    result = subprocess.run(["lossscale-lint", "check", "--no-cache", "--jobs", "1", "."], cwd=tree,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Checking" not in result.stderr and "\x1b[" not in result.stderr


@pytest.mark.slow
def test_a_short_run_on_a_terminal_draws_nothing(tmp_path: Path) -> None:
    shutil.copy(TRAINING_SCRIPT, tmp_path / "train.py")
    text = stderr_on_a_terminal(["check", "--no-cache", "train.py"], tmp_path)
    assert "Checking" not in text
