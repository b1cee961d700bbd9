# expect: LSL302@10, LSL302@28, LSL103@29
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("gloo")
model = DDP(nn.Linear(10, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
criterion = nn.CrossEntropyLoss(reduction="sum")


def train(loader):
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()


def train_clipped_adam(loader):
    # Adam cancels the factor in its step, not in the clipping threshold.
    adam = torch.optim.Adam(model.parameters(), lr=1e-3)
    for inputs, targets in loader:
        adam.zero_grad()
        logits = model(inputs)
        loss = nn.functional.cross_entropy(logits, targets, reduction="none")
        loss.sum().backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        adam.step()
