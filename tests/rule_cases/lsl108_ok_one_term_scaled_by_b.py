# expect: LSL101
import torch
import torch.nn.functional as F
from torch import nn

batch_size = 32
model = nn.Linear(10, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def summed_over_batch_size(loader):
    for x, y in loader:
        loss = F.cross_entropy(model(x), y, reduction="sum") / batch_size  # a mean: not a reweighting
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def mean_times_batch_size(loader):
    for x, y in loader:
        loss = F.cross_entropy(model(x), y) * batch_size  # a summed loss: LSL101's business
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
