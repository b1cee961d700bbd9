# expect: nothing
import torch.nn as nn
import torch.optim as optim


def train(model, loader, optimizer, loss_fn):
    for x, y in loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()


model = nn.Linear(3, 3)
# Two callers pass different optimizers: which one steps is not clear, so nothing is said.
train(model, [], optim.SGD(model.parameters(), lr=0.1), nn.MSELoss(reduction="sum"))
train(model, [], optim.Adam(model.parameters()), nn.MSELoss(reduction="sum"))
