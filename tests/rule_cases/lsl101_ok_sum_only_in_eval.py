# expect: nothing
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim

model = nn.Linear(20, 5)
optimizer = optim.SGD(model.parameters(), lr=0.1)


def train(loader):
    for x, y in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()


def evaluate(loader):
    total = 0.0
    with torch.no_grad():
        for x, y in loader:
            total += F.cross_entropy(model(x), y, reduction="sum").item()
    return total / len(loader.dataset)
