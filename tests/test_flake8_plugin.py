"""The flake8 plugin, run through the real flake8 in a subprocess (found via its entry point)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

LEGACY = 'import torch.nn as nn\nlabel = "ü"; crit = nn.MSELoss(size_average=False)\n'
CLEAN = 'import torch.nn as nn\nlabel = "ü"; crit = nn.MSELoss(reduction="sum")\n'
# LSL104 fires only when the analysis knows that `chunk` is the batch size, i.e. via configuration.
CUSTOM_BATCH_NAME = '''\
import torch
from torch import nn
from torch.utils.data import DataLoader


def train(features, chunk):
    loader = DataLoader(features, batch_size=chunk, shuffle=True)
    model = nn.Linear(8, 1)
    criterion = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for x in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), x[:, :1]) / chunk
        loss.backward()
        optimizer.step()
'''


def flake8(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LSL", "--isolated", *args],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "bad.py").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "clean.py").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "quiet.py").write_text(LEGACY.replace("False)\n", "False)  # noqa: LSL401\n"), encoding="utf-8")
    (tmp_path / "other_noqa.py").write_text(LEGACY.replace("False)\n", "False)  # noqa: LSL101\n"), encoding="utf-8")
    return tmp_path


@pytest.mark.slow
def test_bad_file_reported_with_flake8_columns_clean_and_noqa_files_silent(project):
    result = flake8(project, "bad.py", "clean.py", "quiet.py", "other_noqa.py")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    # flake8 prints 1-based columns from the plugin's 0-based ones; "ü" is one column, like in an editor.
    column = LEGACY.splitlines()[1].index("size_average") + 1
    assert lines[0].startswith(f"bad.py:2:{column}: LSL401 ")
    assert lines[1].startswith(f"other_noqa.py:2:{column}: LSL401 ")  # a noqa for another code
    assert len(lines) == 2


@pytest.mark.slow
def test_clean_file_passes(project):
    result = flake8(project, "clean.py")
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


@pytest.mark.slow
def test_project_configuration_is_honoured(tmp_path):
    (tmp_path / "train.py").write_text(CUSTOM_BATCH_NAME, encoding="utf-8")
    assert flake8(tmp_path, "train.py").stdout == ""
    (tmp_path / "pyproject.toml").write_text('[tool.lossscale-lint]\nbatch-size-names = ["chunk"]\n', encoding="utf-8")
    [line] = flake8(tmp_path, "train.py").stdout.splitlines()
    assert line.startswith("train.py:13:") and " LSL104 " in line

    (tmp_path / "pyproject.toml").write_text(
        '[tool.lossscale-lint]\nbatch-size-names = ["chunk"]\nignore = ["LSL104"]\n', encoding="utf-8")
    assert flake8(tmp_path, "train.py").stdout == ""


@pytest.mark.slow
def test_broken_configuration_is_one_clear_result_not_a_traceback(tmp_path):
    (tmp_path / "train.py").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.lossscale-lint]\nbatch-size-names = "chunk"\n', encoding="utf-8")
    result = flake8(tmp_path, "train.py")
    assert "Traceback" not in result.stderr
    [line] = result.stdout.splitlines()
    assert line.startswith("train.py:1:1: LSL000 lossscale-lint configuration error: ")
    assert "batch-size-names" in line
