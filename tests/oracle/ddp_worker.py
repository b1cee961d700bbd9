"""One rank of a real data-parallel run for the oracle tests (tests/oracle/ddp_rig.py starts W of
them): a gloo process group on the CPU, a model wrapped in DistributedDataParallel, and one
backward + SGD step on this rank's share of a fixed global batch.

    python ddp_worker.py INIT_FILE RANK WORLD OUT CASE...

Each CASE names how the loss is written (see LOSSES) and runs with a fresh model in the one
process group (starting processes and wrapping the first model in DDP cost seconds each); rank 0
saves {case: {"grad": flat gradient after the all-reduce, "update": flat change of the parameters,
"per_device_batch": b}} to OUT with torch.save.
"""

from __future__ import annotations

import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from ddp_rig import BASE_LR, GLOBAL_BATCH, global_batch, make_model  # this folder is the script's path

# How each case writes the loss of one rank's batch, and its lr (the world size W is known).
LOSSES = {
    "mean": lambda logits, y, w: F.cross_entropy(logits, y),
    "sum": lambda logits, y, w: F.cross_entropy(logits, y, reduction="sum"),
    "mean_times_world_size": lambda logits, y, w: F.cross_entropy(logits, y) * w,
    "mean_over_world_size": lambda logits, y, w: F.cross_entropy(logits, y) / w,
    "mean_lr_times_world_size": lambda logits, y, w: F.cross_entropy(logits, y),
}
LR = {"mean_lr_times_world_size": lambda w: BASE_LR * w}


def step(case: str, rank: int, world: int) -> dict:
    model = DistributedDataParallel(make_model())
    optimizer = torch.optim.SGD(model.parameters(), lr=LR.get(case, lambda w: BASE_LR)(world))
    inputs, targets = global_batch()
    share = GLOBAL_BATCH // world  # the per-device batch b = B / W, the global batch held fixed
    mine = slice(rank * share, (rank + 1) * share)
    before = torch.cat([p.detach().flatten() for p in model.parameters()]).clone()
    LOSSES[case](model(inputs[mine]), targets[mine], world).backward()
    grad = torch.cat([p.grad.flatten() for p in model.parameters()]).clone()
    optimizer.step()
    update = torch.cat([p.detach().flatten() for p in model.parameters()]) - before
    return {"grad": grad, "update": update, "per_device_batch": share}


def main(init_file: str, rank: int, world: int, out: str, cases: list[str]) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    results = {case: step(case, rank, world) for case in cases}
    if rank == 0:
        torch.save(results, out)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5:])
