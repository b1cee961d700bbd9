"""The oracle folder's gate: skip without torch, but fail loudly when CI requires torch.

Runs pytest for real on one oracle module with a stand-in `torch` package first on the path that
refuses to import, which is what a machine without torch looks like to Python.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
ORACLE_MODULE = "tests/oracle/test_accumulation_oracle.py"
# A module that skips itself at import leaves no test items, and pytest reports a run that
# collected nothing with exit code 5; "skipped" is what the output must then say.
ALL_SKIPPED = pytest.ExitCode.NO_TESTS_COLLECTED


def _pytest_without_torch(tmp_path: Path, require: str | None) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "no_torch" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'torch'\")\n")
    env = {k: v for k, v in os.environ.items() if k != "LOSSSCALE_REQUIRE_TORCH"}
    env["PYTHONPATH"] = os.pathsep.join([str(fake.parent), str(REPO)])
    if require is not None:
        env["LOSSSCALE_REQUIRE_TORCH"] = require
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", ORACLE_MODULE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_torch_the_oracle_modules_are_skipped(tmp_path: Path) -> None:
    result = _pytest_without_torch(tmp_path, require=None)
    assert result.returncode == ALL_SKIPPED, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "the oracle suite needs torch" in result.stdout


def test_only_the_value_1_makes_torch_required(tmp_path: Path) -> None:
    result = _pytest_without_torch(tmp_path, require="0")
    assert result.returncode == ALL_SKIPPED, result.stdout + result.stderr
    assert "1 skipped" in result.stdout


def test_when_ci_requires_torch_a_missing_torch_fails_the_run(tmp_path: Path) -> None:
    result = _pytest_without_torch(tmp_path, require="1")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "LOSSSCALE_REQUIRE_TORCH=1 but torch cannot be imported" in output
    assert "Traceback" not in output
