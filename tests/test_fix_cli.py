"""`lossscale-lint check --fix/--diff/--unsafe-fixes/--show-fixes`, run for real in subprocesses."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from cli_support import run_main, run_module

# Each sample: the file as written, and the file after its fix. Comments, odd spacing and quotes
# around the edited node must come through byte for byte.
LSL401_BEFORE = """\
import torch.nn as nn

# The criterion is summed on purpose.
criterion   = nn.MSELoss( size_average=False )  # legacy spelling
per_item = nn.NLLLoss(reduce=False,
                      weight=None)  # keep 'quotes' and spacing
"""
LSL401_AFTER = """\
import torch.nn as nn

# The criterion is summed on purpose.
criterion   = nn.MSELoss( reduction="sum" )  # legacy spelling
per_item = nn.NLLLoss(reduction="none",
                      weight=None)  # keep 'quotes' and spacing
"""
ACCELERATE_LOOP = """\
import torch
from accelerate import Accelerator

steps = 4
accelerator = Accelerator(gradient_accumulation_steps=steps)
model = torch.nn.Linear(10, 2)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
model, optimizer = accelerator.prepare(model, optimizer)
loss_fn = torch.nn.CrossEntropyLoss()

for x, y in []:
    with accelerator.accumulate(model):
        loss = loss_fn(model(x), y)
        {division}
        accelerator.backward(loss)
        optimizer.step()
        optimizer.zero_grad()
"""
FIXED_DIVISOR_LOOP = """\
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

BATCH = 32
model = torch.nn.Linear(10, 3)
optimizer = torch.optim.Adam(model.parameters())
loader = DataLoader(list(range(70)), batch_size=BATCH)

for x, y in loader:
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y, reduction="sum")
    loss = loss / {divisor}  # per-sample average
    loss.backward()
    optimizer.step()
"""
ACCUMULATION_LOOP = """\
import torch
import torch.nn as nn

accumulation_steps = 4
model = nn.Linear(10, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.CrossEntropyLoss()

for i, (x, y) in enumerate([]):
    loss = criterion(model(x), y)
    {backward}
    if (i + 1) % accumulation_steps == 0:
        optimizer.step()
        optimizer.zero_grad()
"""
SUMMED_SGD_LOOP = """\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader

model = nn.Linear(20, 5)
optimizer = torch.optim.SGD(model.parameters(), lr={lr}, momentum=0.9)
criterion = nn.CrossEntropyLoss(reduction="{reduction}")
loader = DataLoader(list(range(64)), batch_size=32)

for inputs, targets in loader:
    optimizer.zero_grad()
    loss = criterion(model(inputs), targets)
    loss.backward()
    optimizer.step()
"""
SAMPLES = {  # file name: (rule, safe?, before, after)
    "legacy.py": ("LSL401", True, LSL401_BEFORE, LSL401_AFTER),
    "accelerate.py": (
        "LSL202",
        True,
        ACCELERATE_LOOP.format(division="loss = loss / steps"),
        ACCELERATE_LOOP.replace("        {division}\n", ""),  # the whole statement goes
    ),
    "divisor.py": (
        "LSL104",
        False,
        FIXED_DIVISOR_LOOP.format(divisor="BATCH"),
        FIXED_DIVISOR_LOOP.format(divisor="y.size(0)"),
    ),
    "accumulate.py": (
        "LSL201",
        False,
        ACCUMULATION_LOOP.format(backward="loss.backward()"),
        ACCUMULATION_LOOP.format(backward="(loss / accumulation_steps).backward()"),
    ),
    "summed.py": (  # one fix, two distant edits
        "LSL101",
        False,
        SUMMED_SGD_LOOP.format(lr="0.01", reduction="sum"),
        SUMMED_SGD_LOOP.format(lr="0.01 * 32", reduction="mean"),
    ),
}


def write_samples(folder: Path, newline: str = "\n") -> None:
    for name, (_, _, before, _) in SAMPLES.items():
        (folder / name).write_bytes(before.replace("\n", newline).encode())


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.glob("*.py"))}


@pytest.mark.slow
def test_unsafe_fixes_rewrite_every_sample_exactly_and_a_second_run_changes_nothing(tmp_path):
    write_samples(tmp_path)
    first = run_module(["check", "--fix", "--unsafe-fixes", "."], tmp_path)
    assert (first.returncode, first.stderr) == (0, "")
    assert first.stdout == "Fixed 6 problems.\nChecked 5 files: no problems found.\n"
    for name, (_, _, _, after) in SAMPLES.items():
        assert (tmp_path / name).read_text() == after, name
    before_second = snapshot(tmp_path)
    second = run_module(["check", "--fix", "--unsafe-fixes", "."], tmp_path)
    assert (second.returncode, second.stdout) == (0, "Checked 5 files: no problems found.\n")
    assert snapshot(tmp_path) == before_second  # not even rewritten with the same bytes


@pytest.mark.slow
def test_safe_fixes_only_and_the_summary_counts_the_unsafe_ones(tmp_path):
    write_samples(tmp_path)
    run = run_module(["check", "--fix", "--show-fixes", "--output-format", "concise", "."], tmp_path)
    assert run.returncode == 1
    for name, (rule, safe, before, after) in SAMPLES.items():
        assert (tmp_path / name).read_text() == (after if safe else before), name
        assert (f"{name}:" in run.stdout) == (not safe) and (rule in run.stdout) == (not safe)
    assert run.stdout.endswith(
        "Fixed 3 problems.\nFound 3 problems (2 errors, 1 warning) in 3 of 5 files.\n"
        "3 more fixes available with --unsafe-fixes.\n"
    )
    assert run.stderr == (
        "Applied fixes:\n"
        "- accelerate.py:\n    1 × LSL202 (accumulation-double-division)\n"
        "- legacy.py:\n    2 × LSL401 (deprecated-size-average-reduce)\n"
    )


@pytest.mark.slow
def test_diff_writes_nothing_and_its_patch_equals_the_fix(tmp_path):
    write_samples(tmp_path)
    before = snapshot(tmp_path)
    run = run_module(["check", "--diff", "legacy.py", "divisor.py"], tmp_path)
    assert snapshot(tmp_path) == before
    assert run.returncode == 1
    assert run.stdout == (
        "--- legacy.py\n+++ legacy.py\n@@ -1,6 +1,6 @@\n import torch.nn as nn\n \n"
        " # The criterion is summed on purpose.\n"
        "-criterion   = nn.MSELoss( size_average=False )  # legacy spelling\n"
        "-per_item = nn.NLLLoss(reduce=False,\n"
        '+criterion   = nn.MSELoss( reduction="sum" )  # legacy spelling\n'
        '+per_item = nn.NLLLoss(reduction="none",\n'
        "                       weight=None)  # keep 'quotes' and spacing\n"
    )
    assert run.stderr == "Would apply 2 fixes (1 more fix with --unsafe-fixes).\n"
    subprocess.run(["git", "apply", "-p0"], input=run.stdout, text=True, cwd=tmp_path, check=True)
    assert (tmp_path / "legacy.py").read_text() == LSL401_AFTER
    unsafe = run_module(["check", "--diff", "--unsafe-fixes", "divisor.py"], tmp_path)
    assert (unsafe.returncode, unsafe.stderr) == (1, "Would apply 1 fix.\n")
    assert "-    loss = loss / BATCH  # per-sample average\n+    loss = loss / y.size(0)  # per-sample" in unsafe.stdout
    assert snapshot(tmp_path)["divisor.py"] == before["divisor.py"]
    clean = run_module(["check", "--diff", "legacy.py"], tmp_path)
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", "No fixes to apply.\n")


@pytest.mark.slow
def test_crlf_files_stay_crlf(tmp_path):
    write_samples(tmp_path, newline="\r\n")
    run = run_module(["check", "--fix", "--unsafe-fixes", "legacy.py", "accumulate.py"], tmp_path)
    assert run.returncode == 0, run.stderr
    for name in ("legacy.py", "accumulate.py"):
        assert (tmp_path / name).read_bytes() == SAMPLES[name][3].replace("\n", "\r\n").encode()


@pytest.fixture
def locked_sample(tmp_path):
    """legacy.py made immutable (chattr +i), which stops even root from replacing it."""
    write_samples(tmp_path)
    locked = tmp_path / "legacy.py"
    if subprocess.run(["chattr", "+i", str(locked)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    yield locked
    subprocess.run(["chattr", "-i", str(locked)], check=True)


@pytest.mark.slow
def test_a_read_only_file_is_reported_and_the_others_are_still_fixed(locked_sample, tmp_path):
    run = run_module(["check", "--fix", "--output-format", "concise", "legacy.py", "accelerate.py"], tmp_path)
    assert run.returncode == 2
    assert run.stderr == "lossscale-lint: error: legacy.py: the file is read-only; fixes not written\n"
    assert locked_sample.read_text() == LSL401_BEFORE
    assert (tmp_path / "accelerate.py").read_text() == SAMPLES["accelerate.py"][3]
    # The unfixed file's problems are still reported; only the written fix is counted.
    assert run.stdout.count("legacy.py:") == 2 and "accelerate.py:" not in run.stdout
    assert "Fixed 1 problem." in run.stdout
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_failing_rename_in_process_gives_exit_2_and_the_other_files_are_fixed(tmp_path, monkeypatch, capsys):
    # The same contract without chattr: os.replace refuses one file, as a read-only mount would.
    write_samples(tmp_path)
    monkeypatch.chdir(tmp_path)
    real_replace = os.replace

    def refuse_legacy(src, dst):
        if Path(dst).name == "legacy.py":
            raise PermissionError(30, "Read-only file system")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", refuse_legacy)
    code, out, err = run_main(["check", "--fix", "--output-format", "concise", "legacy.py", "accelerate.py"], capsys)
    assert code == 2
    assert err == "lossscale-lint: error: legacy.py: cannot write: Read-only file system\n"
    assert (tmp_path / "legacy.py").read_text() == LSL401_BEFORE
    assert (tmp_path / "accelerate.py").read_text() == SAMPLES["accelerate.py"][3]
    assert out.count("legacy.py:") == 2 and "Fixed 1 problem." in out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(SAMPLES)
