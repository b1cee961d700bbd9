"""The `lossscale-lint` pre-commit hook, run by the real pre-commit against a real git repository.

`pre-commit try-repo` installs this project into a fresh virtualenv from a git repository, exactly
as a user's `.pre-commit-config.yaml` would, so the test uses a snapshot of the working tree
committed to a temporary repository (what is on disk now, not only what is committed).
try-repo builds the hook environment in a throw-away store on every call (pip-installing the
project, the slow part), so the test makes only the two calls it needs; PRE_COMMIT_HOME points
into tmp so that nothing reads or writes the user's own pre-commit cache.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GIT_IDENTITY = ["-c", "user.name=lossscale-lint tests", "-c", "user.email=tests@invalid"]

BAD_SCRIPT = '''\
import torch
from torch import nn

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

for step in range(100):
    inputs, targets = torch.randn(32, 10), torch.randint(0, 2, (32,))
    optimizer.zero_grad()
    loss = criterion(model(inputs), targets)
    loss.backward()
    optimizer.step()
'''
CLEAN_SCRIPT = BAD_SCRIPT.replace('reduction="sum"', 'reduction="mean"')


def git(*args: str, cwd: Path) -> str:
    completed = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return completed.stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """The working tree (tracked and new, not ignored files) committed to a fresh repository."""
    if shutil.which("git") is None:
        pytest.fail("git is required for the pre-commit test")
    snapshot = tmp_path_factory.mktemp("hook-repo")
    files = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, files.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git("init", "-q", cwd=snapshot)
    git("add", "-A", cwd=snapshot)
    git("commit", "-q", "--no-verify", "-m", "snapshot", cwd=snapshot)
    return snapshot


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def user_project(tmp_path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "bad.py").write_text(BAD_SCRIPT, encoding="utf-8")
    (project / "ok.py").write_text(CLEAN_SCRIPT, encoding="utf-8")
    shutil.copy(ROOT / "tests" / "notebooks" / "train_sgd.ipynb", project / "train.ipynb")
    # A vendored copy of someone else's script, excluded in the config: it must not block a commit.
    (project / "vendor").mkdir()
    (project / "vendor" / "upstream.py").write_text(BAD_SCRIPT, encoding="utf-8")
    (project / "pyproject.toml").write_text('[tool.lossscale-lint]\nextend-exclude = ["vendor"]\n', encoding="utf-8")
    git("init", "-q", cwd=project)
    git("add", "bad.py", "ok.py", "train.ipynb", "vendor/upstream.py", "pyproject.toml", cwd=project)
    return project


def try_repo(hook_repo: Path, project: Path, home: Path, *files: str):
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "lossscale-lint",
         "--color", "never", "--verbose", "--files", *files],
        cwd=project,
        env={**_clean_environment(), "PRE_COMMIT_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _clean_environment() -> dict[str, str]:
    import os

    # pre-commit's own git calls must not see the outer repository's hook variables.
    return {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}


def test_hook_definition_matches_the_documented_contract():
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = {hook["id"]: hook for hook in manifest}["lossscale-lint"]
    assert hook["id"] == "lossscale-lint"
    # pre-commit passes file names explicitly: without --force-exclude an excluded file is checked.
    assert hook["entry"] == "lossscale-lint check --force-exclude"
    assert hook["language"] == "python"
    assert hook["types_or"] == ["python", "pyi", "jupyter"]  # notebooks too, as the folder walk
    assert hook["require_serial"] is True
    assert hook["minimum_pre_commit_version"] == "2.9.2"


@pytest.mark.slow
def test_hook_fails_on_the_bad_script_and_passes_on_the_clean_one(
    hook_repo, user_project, pre_commit_home
):
    mixed = try_repo(hook_repo, user_project, pre_commit_home, "bad.py", "ok.py", "train.ipynb")
    output = mixed.stdout + mixed.stderr
    assert mixed.returncode == 1, output
    assert "Failed" in output, output
    assert "bad.py:5:" in output and "LSL101" in output, output
    assert "train.ipynb:cell 3:3:" in output, output  # pre-commit hands notebooks to the hook
    assert "ok.py:" not in output, output

    assert "upstream.py" not in output, output

    clean = try_repo(hook_repo, user_project, pre_commit_home, "ok.py", "vendor/upstream.py")
    output = clean.stdout + clean.stderr
    assert clean.returncode == 0, output
    assert "Passed" in output, output
    assert "LSL" not in output, output
