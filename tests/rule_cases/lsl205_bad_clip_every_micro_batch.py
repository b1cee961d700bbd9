# expect: LSL205@17
import torch
from torch import nn

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
accumulation_steps = 4
max_grad_norm = 1.0


def train(loader):
    for i, (inputs, targets) in enumerate(loader):
        loss = criterion(model(inputs), targets) / accumulation_steps
        loss.backward()
        # Clipped on every micro-batch: partial sums.
        nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        if (i + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
