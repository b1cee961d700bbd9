"""Run training scripts for real, all in one interpreter, and report which ones failed.

The documentation and example tests use this to prove that the code we show people is complete,
working PyTorch code. One subprocess imports torch once for all scripts, which keeps it fast; each
script runs in a fresh namespace with a fixed seed.

As a script: python run_training_scripts.py [--first-step-dir DIR] SCRIPT.py ... prints
{script: error or null} as JSON. With --first-step-dir, each script stops after its first optimizer
step and the parameter update of that step is saved as DIR/<script name>.pt (a flat tensor), so a
test can compare the updates that two versions of a script make.
"""

from __future__ import annotations

import importlib.util
import json
import os
import runpy
import subprocess
import sys
import traceback
import warnings
from pathlib import Path


def run_for_real(scripts: list[Path], first_step_dir: Path | None = None) -> dict[str, str | None]:
    """Train with every script (real torch, one interpreter); return {path: error or None}.

    Skips the calling test when torch is missing, unless LOSSSCALE_REQUIRE_TORCH=1 (set by CI,
    where a skipped torch test would hide a broken install) makes that a failure.
    """
    import pytest

    if importlib.util.find_spec("torch") is None:
        if os.environ.get("LOSSSCALE_REQUIRE_TORCH") == "1":
            pytest.fail("torch is required here (LOSSSCALE_REQUIRE_TORCH=1) but not installed")
        pytest.skip("torch is not installed")
    completed = subprocess.run(
        [sys.executable, __file__, *(["--first-step-dir", str(first_step_dir)] if first_step_dir else []),
         *map(str, scripts)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


class FirstStepTaken(Exception):
    """Raised after the first optimizer step to stop a script once its update is recorded."""


def record_first_step(torch, destination: Path):
    """Global optimizer hooks that save the first step's parameter update, then stop the script."""
    from torch.optim.optimizer import (
        register_optimizer_step_post_hook,
        register_optimizer_step_pre_hook,
    )

    before = {}

    def snapshot(optimizer, args, kwargs):
        before.clear()
        for group in optimizer.param_groups:
            for parameter in group["params"]:
                before[parameter] = parameter.detach().clone()

    def save_update(optimizer, args, kwargs):
        update = torch.cat([(p.detach() - old).flatten() for p, old in before.items()])
        torch.save(update, destination)
        raise FirstStepTaken

    return [register_optimizer_step_pre_hook(snapshot), register_optimizer_step_post_hook(save_update)]


def launched_like_torchrun() -> None:
    """The environment `torchrun --nproc-per-node 1` gives a script: data-parallel examples call
    `dist.init_process_group("gloo")` and wrap their model in DDP, as they would on a cluster."""
    import socket

    with socket.socket() as probe:  # a free port for this interpreter's rendezvous
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name, value in (("RANK", "0"), ("LOCAL_RANK", "0"), ("WORLD_SIZE", "1"), ("LOCAL_WORLD_SIZE", "1"),
                        ("MASTER_ADDR", "127.0.0.1"), ("MASTER_PORT", str(port))):
        os.environ.setdefault(name, value)


def main(arguments: list[str]) -> int:
    import torch

    first_step_dir = None
    if arguments[:1] == ["--first-step-dir"]:
        first_step_dir, arguments = Path(arguments[1]), arguments[2:]
    torch.set_num_threads(1)
    launched_like_torchrun()
    results: dict[str, str | None] = {}
    for path in arguments:
        torch.manual_seed(0)
        # Scripts that read their command line must see their own defaults, not our arguments.
        sys.argv = [path]
        hooks = []
        if first_step_dir is not None:
            hooks = record_first_step(torch, first_step_dir / f"{Path(path).stem}.pt")
        try:
            with warnings.catch_warnings():
                # Legacy arguments are shown on purpose (LSL401); their deprecation warning is noise.
                warnings.simplefilter("ignore")
                runpy.run_path(path, run_name="__main__")
        except FirstStepTaken:
            results[path] = None
        except BaseException:  # noqa: BLE001 - report every failure, including SystemExit
            results[path] = traceback.format_exc(limit=-3)
        else:
            results[path] = "ended without an optimizer step" if hooks else None
        finally:
            for hook in hooks:
                hook.remove()
            if torch.distributed.is_available() and torch.distributed.is_initialized():
                torch.distributed.destroy_process_group()  # the next script starts its own
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
