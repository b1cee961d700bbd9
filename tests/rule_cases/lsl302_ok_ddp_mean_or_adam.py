# expect: nothing
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("gloo")
model = DDP(nn.Linear(10, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
criterion = nn.CrossEntropyLoss()
summed = nn.CrossEntropyLoss(reduction="sum")


def train(loader):
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()


def train_sum_divided_by_batch_length(loader):
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = summed(model(inputs), targets) / targets.size(0)
        loss.backward()
        optimizer.step()


def train_sum_with_plain_adam(loader):
    # Adam without coupled decay or clipping cancels a constant scale of the loss.
    adam = torch.optim.Adam(model.parameters(), lr=1e-3)
    for inputs, targets in loader:
        adam.zero_grad()
        summed(model(inputs), targets).backward()
        adam.step()
