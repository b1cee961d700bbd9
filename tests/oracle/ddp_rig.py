"""Real data parallelism for the oracle tests: W CPU processes in a gloo process group, each a
tests/oracle/ddp_worker.py, which torch supports without a GPU."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import torch

WORKER = Path(__file__).with_name("ddp_worker.py")
# The global batch B, split evenly over the ranks (b = B / W), and the model every rank starts from.
GLOBAL_BATCH = 16
FEATURES, CLASSES = 4, 3
BASE_LR = 0.1


def global_batch() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(GLOBAL_BATCH, FEATURES, generator=generator, dtype=torch.float64)
    return inputs, torch.randint(0, CLASSES, (GLOBAL_BATCH,), generator=generator)


def make_model() -> torch.nn.Module:
    torch.manual_seed(1)
    return torch.nn.Linear(FEATURES, CLASSES).to(torch.float64)




def run_ddp(cases: list[str], world: int, workdir: Path) -> dict[str, dict[str, torch.Tensor]]:
    """One step of each case on `world` ranks; for each, what rank 0 saw (its gradient after DDP's
    all-reduce, its parameter update, the per-device batch)."""
    rendezvous, out = workdir / f"ddp-{world}.rdv", workdir / f"ddp-{world}.pt"
    ranks = [subprocess.Popen([sys.executable, str(WORKER), str(rendezvous), str(rank), str(world), str(out), *cases],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for rank in range(world)]
    for rank, process in enumerate(ranks):
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, f"rank {rank} of {world} failed:\n{stderr}"
    return torch.load(out)


def single_process_mean_gradient() -> torch.Tensor:
    """The gradient of the global batch's mean loss in one process, without any data parallelism."""
    model = make_model()
    inputs, targets = global_batch()
    torch.nn.functional.cross_entropy(model(inputs), targets).backward()
    return torch.cat([p.grad.flatten() for p in model.parameters()])
