# expect: LSL101@9
import horovod.torch as hvd
import torch
from torch import nn

hvd.init()
model = nn.Linear(10, 2)
optimizer = hvd.DistributedOptimizer(torch.optim.SGD(model.parameters(), lr=0.01), op=hvd.Sum)
criterion = nn.CrossEntropyLoss(reduction="sum")


def train(loader):
    # With op=hvd.Sum the ranks' gradients are summed, not averaged: a summed loss is the global sum
    # (LSL101's business, as without data parallelism), not LSL302's.
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
