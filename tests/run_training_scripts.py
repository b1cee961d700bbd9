"""Run training scripts for real, all in one interpreter, and report which ones failed.

The documentation and example tests use this to prove that the code we show people is complete,
working PyTorch code. One subprocess imports torch once for all scripts, which keeps it fast; each
script runs in a fresh namespace with a fixed seed.

As a script: python run_training_scripts.py SCRIPT.py ... prints {script: error or null} as JSON.
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


def run_for_real(scripts: list[Path]) -> dict[str, str | None]:
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
        [sys.executable, __file__, *map(str, scripts)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(paths: list[str]) -> int:
    import torch

    torch.set_num_threads(1)
    results: dict[str, str | None] = {}
    for path in paths:
        torch.manual_seed(0)
        # Scripts that read their command line must see their own defaults, not our arguments.
        sys.argv = [path]
        try:
            with warnings.catch_warnings():
                # Legacy arguments are shown on purpose (LSL401); their deprecation warning is noise.
                warnings.simplefilter("ignore")
                runpy.run_path(path, run_name="__main__")
        except BaseException:  # noqa: BLE001 - report every failure, including SystemExit
            results[path] = traceback.format_exc(limit=-3)
        else:
            results[path] = None
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
