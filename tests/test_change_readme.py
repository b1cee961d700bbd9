"""The change-aware example and the `advise` example in the documentation are real output.

README.md's "Change-aware checks and the advisor" section holds the examples. The example
is rebuilt for real: a git repository with examples/summed_loss_sgd_decay_clipping.py committed as
train.py, then `--batch-size` moved from 64 to 256 in the working tree.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "summed_loss_sgd_decay_clipping.py"
OLD_LINE = '"--batch-size", type=int, default=64'
NEW_LINE = '"--batch-size", type=int, default=256'


def documentation() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    if "$ lossscale-lint advise train.py" not in text:
        pytest.fail("README.md does not show the `lossscale-lint advise` example")
    return text


def console_block(text: str, command: str) -> list[str]:
    """The output lines under `$ command` in a ```console block."""
    match = re.search(rf"^\$ {re.escape(command)}\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)
    assert match, f"no console block runs `{command}`"
    return match.group(1).splitlines()


def run(cwd: Path, *args: str) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = subprocess.run(
        [sys.executable, "-m", "lossscale_lint", *args], cwd=cwd, capture_output=True, text=True, timeout=60,
        env={**environment, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("readme-example")
    identity = ["-c", "user.name=docs", "-c", "user.email=docs@invalid"]
    source = EXAMPLE.read_text(encoding="utf-8")
    assert OLD_LINE in source
    (folder / "train.py").write_text(source, encoding="utf-8")
    for command in (["init", "-q"], ["add", "train.py"], ["commit", "-q", "-m", "base"]):
        subprocess.run(["git", *identity, *command], cwd=folder, check=True, capture_output=True)
    return folder


@pytest.mark.slow
def test_the_advise_example_is_what_advise_prints(project):
    shown = console_block(documentation(), "lossscale-lint advise train.py --batch-size 256 --dataset-size 60000")
    actual = run(project, "advise", "train.py", "--batch-size", "256", "--dataset-size", "60000").splitlines()
    assert shown == actual


@pytest.mark.slow
def test_the_change_aware_example_is_what_check_base_prints(project):
    (project / "train.py").write_text(EXAMPLE.read_text(encoding="utf-8").replace(OLD_LINE, NEW_LINE), encoding="utf-8")
    shown = console_block(documentation(), "lossscale-lint check --base HEAD --select LSL5 train.py")
    actual = run(project, "check", "--base", "HEAD", "--select", "LSL5", "train.py").splitlines()
    # The snippet elides the middle of the output with "..."; what it shows must match in order.
    head = shown[: shown.index("   ...")]
    tail = shown[shown.index("   ...") + 1 :]
    assert actual[: len(head)] == head
    assert actual[-len(tail):] == tail
