"""What the README promises holds: its set-up commands are what CI runs, its configuration example
is accepted by the real command line, and its suppression comments work as shown.
(The rule table is checked against the registry in test_rule_docs.py.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
INSTALL_AND_RUN = "pip install . && lossscale-lint check examples/"
INSTALL_AND_TEST = "pip install -e '.[test]' && python -m pytest"

SUMMED_SGD_SCRIPT = '''\
import torch
from torch import nn

model = nn.Linear(4, 1)
criterion = nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for step in range(10):
    x, y = torch.randn(8, 4), torch.randn(8, 1)
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
'''


def fenced_blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", README, flags=re.MULTILINE | re.DOTALL)


def check(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lossscale_lint", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_readme_opens_with_the_two_set_up_commands():
    first_block = fenced_blocks("bash")[0]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == [INSTALL_AND_RUN, INSTALL_AND_TEST]
    # Nothing but the title and one paragraph comes before them.
    assert README.index(first_block) < README.index("\n## ")


def test_ci_runs_the_readme_commands():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in ci
    assert "python -m pip install .\n" in ci
    assert "lossscale-lint check examples/" in ci
    assert "python -m pip install -e '.[test]'" in ci
    assert "LOSSSCALE_REQUIRE_TORCH=1 python -m pytest" in ci


@pytest.mark.slow
def test_readme_configuration_example_is_accepted(tmp_path):
    [config] = [block for block in fenced_blocks("toml") if "[tool.lossscale-lint]" in block]
    for key in ("select", "extend-select", "ignore", "per-file-ignores", "exclude",
                "extend-exclude", "batch-size-names", "accumulation-names"):
        assert re.search(rf"^{key} = ", config, flags=re.MULTILINE), f"README config lacks {key}"
    (tmp_path / "pyproject.toml").write_text(config, encoding="utf-8")
    (tmp_path / "train.py").write_text(SUMMED_SGD_SCRIPT, encoding="utf-8")
    completed = check(tmp_path, ".")
    # The example config selects every rule but LSL401, so the summed SGD loss is still reported.
    assert completed.returncode == 1, completed.stderr
    assert "LSL101" in completed.stdout


@pytest.mark.slow
def test_readme_noqa_example_suppresses_the_diagnostic(tmp_path):
    [suppressed_line] = [
        line for block in fenced_blocks("python") for line in block.splitlines()
        if "noqa: LSL101" in line
    ]
    script = SUMMED_SGD_SCRIPT.replace('criterion = nn.MSELoss(reduction="sum")', suppressed_line)
    (tmp_path / "train.py").write_text(script, encoding="utf-8")
    assert check(tmp_path, "train.py").returncode == 0
    skipped = "# lossscale-lint: skip-file\n" + SUMMED_SGD_SCRIPT
    (tmp_path / "train.py").write_text(skipped, encoding="utf-8")
    assert "skip-file" in README
    assert check(tmp_path, "train.py").returncode == 0
    (tmp_path / "train.py").write_text(SUMMED_SGD_SCRIPT, encoding="utf-8")
    assert check(tmp_path, "train.py").returncode == 1
