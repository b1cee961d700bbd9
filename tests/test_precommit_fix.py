"""The `lossscale-lint-fix` pre-commit hook, run by the real pre-commit in a real git repository.

The hook is taken from this repository's `.pre-commit-hooks.yaml` (entry, file types, serial) and
run as a `repo: local` hook with `language: system`, i.e. with the console script installed here.
That checks what the fix hook adds (its entry really fixes, pre-commit sees the modification, a
second run passes) in about a second; installing the package into a fresh hook environment with
`pre-commit try-repo` is covered once, for the `lossscale-lint` hook, by test_precommit.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
GIT_IDENTITY = ["-c", "user.name=lossscale-lint tests", "-c", "user.email=tests@invalid"]

LEGACY = """\
import torch.nn as nn

criterion = nn.MSELoss(size_average=False)  # summed on purpose
"""
FIXED = """\
import torch.nn as nn

criterion = nn.MSELoss(reduction="sum")  # summed on purpose
"""


def fix_hook() -> dict:
    hooks = {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))}
    return hooks["lossscale-lint-fix"]


def pre_commit(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # pre-commit's own git calls must not see the outer repository's variables.
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--color", "never"],
        cwd=project,
        env={**environment, "PRE_COMMIT_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_the_manifest_offers_the_fix_hook_and_pre_commit_accepts_it(tmp_path):
    hook = fix_hook()
    assert hook["entry"] == "lossscale-lint check --force-exclude --fix"
    assert hook["language"] == "python" and hook["require_serial"] is True
    validated = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
        capture_output=True, text=True, timeout=60,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr


@pytest.mark.slow
def test_the_fix_hook_rewrites_the_bad_file_and_a_second_run_passes(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "legacy.py").write_text(LEGACY)
    (project / "ok.py").write_text(FIXED)
    local_hook = {**fix_hook(), "language": "system"}
    config = {"repos": [{"repo": "local", "hooks": [local_hook]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    subprocess.run(["git", *GIT_IDENTITY, "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "."], cwd=project, check=True)
    home = tmp_path / "pre-commit-home"

    first = pre_commit(project, home, "run", "lossscale-lint-fix", "--all-files")
    output = first.stdout + first.stderr
    assert first.returncode == 1, output
    assert "Failed" in output and "- files were modified by this hook" in output, output
    assert "Fixed 1 problem." in output, output
    assert (project / "legacy.py").read_text() == FIXED

    subprocess.run(["git", "add", "legacy.py"], cwd=project, check=True)
    second = pre_commit(project, home, "run", "lossscale-lint-fix", "--all-files")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout, second.stdout
