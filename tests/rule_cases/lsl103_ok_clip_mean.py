# expect: nothing
import torch
import torch.nn as nn

model = nn.Linear(20, 5)
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)
criterion = nn.CrossEntropyLoss()


def train(loader):
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
