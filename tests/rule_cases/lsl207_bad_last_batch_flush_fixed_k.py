# expect: LSL207@17, LSL207@27
import torch
from torch import nn

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
accumulation_steps = 4


def train(loader):
    # The last batch steps too, but its window's losses were divided by K, not by the r
    # micro-batches it holds: that update is r/K of a full one.
    for i, (inputs, targets) in enumerate(loader):
        loss = criterion(model(inputs), targets) / accumulation_steps
        loss.backward()
        if (i + 1) % accumulation_steps == 0 or (i + 1) == len(loader):
            optimizer.step()
            optimizer.zero_grad()


def flushed_by_flag(loader):
    for i, (inputs, targets) in enumerate(loader):
        loss = criterion(model(inputs), targets) / accumulation_steps
        loss.backward()
        should_step = (i + 1) % accumulation_steps == 0 or (i + 1) == len(loader)
        if should_step:
            optimizer.step()
            optimizer.zero_grad()
