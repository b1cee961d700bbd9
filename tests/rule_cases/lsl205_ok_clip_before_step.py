# expect: nothing
import torch
from torch import nn

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
accumulation_steps = 4


def train(loader):
    for i, (inputs, targets) in enumerate(loader):
        loss = criterion(model(inputs), targets) / accumulation_steps
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # once, on the whole accumulated gradient
            optimizer.step()
            optimizer.zero_grad()


def without_accumulation(loader):
    for inputs, targets in loader:
        loss = criterion(model(inputs), targets)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # every step is a whole batch
        optimizer.step()
        optimizer.zero_grad()
