# expect: LSL101@8
import torch
import torch.nn as nn
from torch import optim

model = nn.Linear(20, 5)
optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
criterion = nn.CrossEntropyLoss(reduction="sum")


def train(loader):
    model.train()
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
