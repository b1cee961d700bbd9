"""The documented pre-commit set-up `args: [--base, HEAD]`, run by real pre-commit from `git commit`.

A `repo: local` hook (`language: system`, the console script installed here) keeps it to about a
second; test_precommit.py covers installing the hook repository itself. The hook runs inside a
real `git commit`, as users have it, so git's own environment (GIT_INDEX_FILE...) is in play.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_change_aware import BATCH_128, SCRIPT, edited

GIT_IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@invalid",
                "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@invalid"}
CONFIG = """\
repos:
  - repo: local
    hooks:
      - id: lossscale-lint
        name: lossscale-lint
        entry: lossscale-lint check
        language: system
        types_or: [python, pyi]
        require_serial: true
        args: [--base, HEAD, --select, LSL5]
"""


def run(project: Path, home: Path, *command: str) -> subprocess.CompletedProcess[str]:
    # The outer repository's git and pre-commit variables must not leak into the throwaway one.
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    return subprocess.run(
        list(command), cwd=project, capture_output=True, text=True, timeout=120,
        env={**environment, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(home)},
    )


@pytest.mark.slow
def test_commit_that_rescales_the_sgd_step_is_stopped_and_a_compensated_one_passes(tmp_path):
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    run(project, home, "git", "init", "-q")
    (project / ".pre-commit-config.yaml").write_text(CONFIG, encoding="utf-8")
    (project / "train.py").write_text(SCRIPT, encoding="utf-8")
    installed = run(project, home, sys.executable, "-m", "pre_commit", "install")
    assert installed.returncode == 0, installed.stderr

    run(project, home, "git", "add", ".")
    first = run(project, home, "git", "commit", "-q", "-m", "base")  # HEAD is unborn here
    assert first.returncode == 0, first.stdout + first.stderr

    (project / "train.py").write_text(edited(BATCH_128), encoding="utf-8")
    run(project, home, "git", "add", "train.py")
    stopped = run(project, home, "git", "commit", "-q", "-m", "bigger batches")
    assert stopped.returncode != 0
    output = stopped.stdout + stopped.stderr  # git shows hook output on stderr
    assert "LSL501" in output and "lr 0.1 -> 0.025" in output

    (project / "train.py").write_text(edited(BATCH_128, ("default=0.1", "default=0.025")), encoding="utf-8")
    run(project, home, "git", "add", "train.py")
    passed = run(project, home, "git", "commit", "-q", "-m", "bigger batches, lr scaled")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    log = run(project, home, "git", "log", "--format=%s").stdout.splitlines()
    assert log == ["bigger batches, lr scaled", "base"]
