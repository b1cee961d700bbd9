"""`lossscale-lint advise`: what it reads from real training scripts and the numbers it gives.

The expected numbers are written from the formulas (keep-the-step lr*B/B', linear lr*B'/B,
square-root lr*sqrt(B'/B), wd*B'/B against a summed loss...), not read back from the tool.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from lossscale_lint.cli.main import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

SUMMED_SGD = """\
import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--batch-size", type=int, default=32)
args = parser.parse_args()

loader = DataLoader(TensorDataset(torch.randn(64, 4), torch.randn(64, 1)), batch_size=args.batch_size)
model = nn.Linear(4, 1)
criterion = nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, weight_decay=1e-4)

for x, y in loader:
    optimizer.zero_grad()
    criterion(model(x), y).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 2.0)
    optimizer.step()
"""

MEAN_ADAMW = """\
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

BATCH_SIZE = 64
ACCUMULATION_STEPS = 2

loader = DataLoader(TensorDataset(torch.randn(64, 4), torch.randn(64, 1)), batch_size=BATCH_SIZE)
model = nn.Linear(4, 1)
criterion = nn.MSELoss()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)

for step, (x, y) in enumerate(loader):
    loss = criterion(model(x), y) / ACCUMULATION_STEPS
    loss.backward()
    if (step + 1) % ACCUMULATION_STEPS == 0:
        optimizer.step()
        optimizer.zero_grad()
"""


def advise_json(tmp_path: Path, capsys, source: str, *args: str) -> dict:
    script = tmp_path / "train.py"
    script.write_text(source, encoding="utf-8")
    code = main(["advise", str(script), "--output-format", "json", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def by_parameter(loop: dict) -> dict[str, dict]:
    return {s["parameter"]: s for s in loop["suggestions"]}


def test_summed_loss_with_sgd_keeps_the_step_decay_and_clipping(tmp_path, capsys):
    data = advise_json(tmp_path, capsys, SUMMED_SGD, "--batch-size", "128")
    assert data["batch_size"] == {"from": 32, "to": 128, "source": "default of --batch-size"}
    [loop] = data["loops"]
    assert (loop["reduction"], loop["optimizer"], loop["family"], loop["decay"]) == ("sum", "SGD", "sgd", "coupled")
    assert loop["step_factor"] == 4.0
    assert loop["regularization_factor"] == 0.25
    assert loop["clipping_pressure"] == 4.0
    suggestions = by_parameter(loop)
    assert suggestions["lr"] == {**suggestions["lr"], "current": 0.01, "suggested": 0.0025, "rule": "keep-the-step"}
    assert suggestions["weight_decay"]["suggested"] == pytest.approx(4e-4)
    assert suggestions["max_norm"]["suggested"] == 8.0
    assert all(s["why"] for s in loop["suggestions"])


def test_from_overrides_the_batch_size_read_from_the_code(tmp_path, capsys):
    data = advise_json(tmp_path, capsys, SUMMED_SGD, "--batch-size", "16", "--from", "64")
    [loop] = data["loops"]
    assert data["batch_size"]["source"] == "--from"
    assert loop["step_factor"] == 0.25
    assert by_parameter(loop)["lr"]["suggested"] == 0.04


def test_mean_loss_with_adamw_uses_the_square_root_rule_on_examples_per_step(tmp_path, capsys):
    data = advise_json(tmp_path, capsys, MEAN_ADAMW, "--batch-size", "128", "--dataset-size", "50000")
    assert data["accumulation"] == {"from": 2, "to": 2}  # read from the `% ACCUMULATION_STEPS` guard
    [loop] = data["loops"]
    assert loop["step_factor"] == 1.0
    assert loop["decay"] == "decoupled"
    assert loop["regularization_factor"] == 0.5  # (N/E)*lr*wd per epoch, E = 128 -> 256
    assert loop["steps_per_epoch"] == {"before": math.ceil(50000 / 128), "after": math.ceil(50000 / 256)}
    # tau = E / (lr * wd * N) epochs
    assert loop["decay_timescale_epochs"]["before"] == pytest.approx(128 / (1e-3 * 0.05 * 50000))
    suggestions = by_parameter(loop)
    assert suggestions["lr"]["rule"] == "square-root"
    assert suggestions["lr"]["suggested"] == pytest.approx(1e-3 * math.sqrt(2))
    # keeping (N/E)*lr*wd with lr x sqrt(2) and E x 2: wd x 2/sqrt(2)
    assert suggestions["weight_decay"]["suggested"] == pytest.approx(0.05 * math.sqrt(2))


def test_accumulation_and_world_size_scale_the_examples_per_step(tmp_path, capsys):
    mean_sgd = MEAN_ADAMW.replace("AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)",
                                  "SGD(model.parameters(), lr=0.1)")
    data = advise_json(tmp_path, capsys, mean_sgd, "--batch-size", "64", "--accumulation", "4", "--world-size", "4")
    [loop] = data["loops"]
    # E = 64*2*1 = 128 -> 64*4*4 = 1024: linear rule lr x 8
    assert by_parameter(loop)["lr"] == {**by_parameter(loop)["lr"], "rule": "linear", "suggested": 0.8}
    assert loop["step_factor"] == 1.0


def test_text_output_shows_what_it_understood_and_the_tables(tmp_path, capsys):
    script = tmp_path / "train.py"
    script.write_text(SUMMED_SGD, encoding="utf-8")
    assert main(["advise", str(script), "--batch-size", "128", "--dataset-size", "6400"]) == 0
    out = capsys.readouterr().out
    for expected in ("batch size 32 -> 128", 'MSELoss(reduction="sum")', "SGD (sgd)", "0.01", "coupled",
                     "update per step", "x4", "regularization", "x0.25", "clipping pressure",
                     "steps per epoch", "200 -> 50", "keep-the-step", "0.0025"):
        assert expected in out, expected


def test_unknown_current_batch_size_asks_for_from(tmp_path, capsys):
    script = tmp_path / "train.py"
    script.write_text(SUMMED_SGD.replace("default=32", "required=True"), encoding="utf-8")
    assert main(["advise", str(script), "--batch-size", "128"]) == 2
    assert capsys.readouterr().err == (
        "lossscale-lint: error: cannot tell the current batch size from the code; pass it with --from OLD\n"
    )


def test_file_without_a_training_loop_is_a_clear_error(tmp_path, capsys):
    script = tmp_path / "model.py"
    script.write_text("import torch.nn as nn\n\nmodel = nn.Linear(2, 1)\n", encoding="utf-8")
    assert main(["advise", str(script), "--batch-size", "8"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lossscale-lint: error: ") and "found no training loop" in err and err.count("\n") == 1


@pytest.mark.parametrize("args", [["--batch-size", "0"], ["--batch-size", "1.5"], ["--batch-size", "x"], []])
def test_bad_arguments_exit_2(tmp_path, capsys, args):
    script = tmp_path / "train.py"
    script.write_text(SUMMED_SGD, encoding="utf-8")
    assert main(["advise", str(script), *args]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_missing_and_unparsable_files_are_one_line(tmp_path, capsys):
    assert main(["advise", str(tmp_path / "nope.py"), "--batch-size", "8"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n", encoding="utf-8")
    assert main(["advise", str(broken), "--batch-size", "8"]) == 2
    err = capsys.readouterr().err
    assert f"{broken}:1:" in err and "cannot parse" in err and err.count("\n") == 1


@pytest.mark.slow
def test_the_installed_command_runs_on_a_shipped_example():
    done = subprocess.run(
        [sys.executable, "-m", "lossscale_lint", "advise", str(EXAMPLES / "summed_loss_sgd_decay_clipping.py"),
         "--batch-size", "256", "--output-format", "json"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    [loop] = json.loads(done.stdout)["loops"]
    assert loop["step_factor"] == 4.0  # 64 -> 256 with a summed loss and SGD
    assert by_parameter(loop)["lr"]["suggested"] == 0.00025


def test_optimizer_default_lr_gets_a_note_instead_of_a_number(tmp_path, capsys):
    default_lr = MEAN_ADAMW.replace("lr=1e-3, ", "")
    [loop] = advise_json(tmp_path, capsys, default_lr, "--batch-size", "128")["loops"]
    assert "lr" not in by_parameter(loop)
    assert loop["notes"] == ["lr is AdamW's default; pass lr explicitly to get a suggested value"]


DDP_AMP = """\
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

world_size = dist.get_world_size()
model = DDP(nn.Linear(10, 2))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler("cpu")
loader = torch.utils.data.DataLoader(range(10), batch_size=32)
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y) * world_size
    scaler.scale(loss).backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(optimizer)
    scaler.update()
"""


def test_world_size_factors_and_amp_clipping_are_reported(tmp_path, capsys):
    data = advise_json(tmp_path, capsys, DDP_AMP, "--batch-size", "32", "--world-size", "4", "--from-world-size", "2")
    [loop] = data["loops"]
    assert loop["data_parallel"] == "DistributedDataParallel"
    # `loss * world_size` on top of DDP's averaging: the update carries W, so W 2 -> 4 doubles it.
    assert (loop["world_size_power"], loop["world_size_factor"]) == (1, 2.0)
    assert any("line 16 runs before scaler.unscale_" in note for note in loop["notes"])
    # lr x W as well (LSL304's double accounting): W^2, x4 for W 2 -> 4.
    both = DDP_AMP.replace("lr=0.1", "lr=0.1 * world_size")
    [loop] = advise_json(tmp_path, capsys, both, "--batch-size", "32", "--world-size", "4", "--from-world-size", "2")["loops"]
    assert (loop["world_size_power"], loop["world_size_factor"]) == (2, 4.0)


def test_no_world_size_factor_or_amp_note_for_the_plain_recipe(tmp_path, capsys):
    plain = DDP_AMP.replace(" * world_size\n", "\n").replace(
        "    nn.utils.clip_grad_norm_", "    scaler.unscale_(optimizer)\n    nn.utils.clip_grad_norm_")
    data = advise_json(tmp_path, capsys, plain, "--batch-size", "32", "--world-size", "4", "--from-world-size", "2")
    [loop] = data["loops"]
    assert (loop["world_size_power"], loop["world_size_factor"]) == (0, None)
    assert not any("unscale_" in note for note in loop["notes"])
    # Without any wrapper in the file, a change of W is read as DDP-like averaging, and said so.
    alone = plain.replace("DDP(nn.Linear(10, 2))", "nn.Linear(10, 2)")
    [loop] = advise_json(tmp_path, capsys, alone, "--batch-size", "32", "--world-size", "4")["loops"]
    assert loop["data_parallel"] is None and any("no data-parallel wrapper" in note for note in loop["notes"])


TOKEN_ACCUMULATION = """\
import torch
from torch import nn

model = nn.Linear(16, 100)
criterion = nn.CrossEntropyLoss(ignore_index=-100)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loader = torch.utils.data.DataLoader(range(10), batch_size=8)
accumulation_steps = 4
for i, (x, y) in enumerate(loader):
    loss = criterion(model(x), y) / accumulation_steps
    loss.backward()
    if (i + 1) % accumulation_steps == 0:
        optimizer.step()
        optimizer.zero_grad()
"""


def test_token_weighting_under_accumulation_gets_a_note(tmp_path, capsys):
    [loop] = advise_json(tmp_path, capsys, TOKEN_ACCUMULATION, "--batch-size", "16")["loops"]
    [note] = [n for n in loop["notes"] if "LSL203" in n]
    assert "ignore_index=-100" in note and "K=accumulation_steps" in note and "n_i / sum(n)" in note
    # A plain per-sample mean (no ignored targets) is not a token mean: no note.
    plain = TOKEN_ACCUMULATION.replace("nn.CrossEntropyLoss(ignore_index=-100)", "nn.CrossEntropyLoss()")
    [loop] = advise_json(tmp_path, capsys, plain, "--batch-size", "16")["loops"]
    assert not any("LSL203" in n for n in loop["notes"])
