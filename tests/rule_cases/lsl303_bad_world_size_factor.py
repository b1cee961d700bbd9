# expect: LSL303@19, LSL303@29
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("gloo")
world_size = dist.get_world_size()
model = DDP(nn.Linear(10, 2))
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()


def train(loader):
    # "DDP averages, so undo it": the average of the ranks' gradients becomes their sum.
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss = loss * world_size
        loss.backward()
        optimizer.step()


def train_averaged_twice(loader):
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        dist.all_reduce(loss.detach())  # the logged value, averaged below
        (loss / dist.get_world_size()).backward()
        optimizer.step()
