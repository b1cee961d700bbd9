# expect: nothing
import torch
from torch import nn

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
accumulation_steps = 4
micro_batches = [(torch.randn(8, 10), torch.randint(0, 2, (8,))) for _ in range(12)]


def twelve_batches(epochs):
    for epoch in range(epochs):
        # 12 micro-batches: three full windows of 4, nothing left over.
        for i, (inputs, targets) in enumerate(micro_batches):
            loss = criterion(model(inputs), targets) / accumulation_steps
            loss.backward()
            if (i + 1) % accumulation_steps == 0:
                optimizer.step()
                optimizer.zero_grad()


def zeroed_every_epoch(loader, epochs):
    for epoch in range(epochs):
        optimizer.zero_grad()  # a short last window is dropped, every update is a full one
        for i, (inputs, targets) in enumerate(loader):
            loss = criterion(model(inputs), targets) / accumulation_steps
            loss.backward()
            if (i + 1) % accumulation_steps == 0:
                optimizer.step()
                optimizer.zero_grad()


def global_step_counter(loader, epochs):
    step = 0
    for epoch in range(epochs):
        for inputs, targets in loader:
            loss = criterion(model(inputs), targets) / accumulation_steps
            loss.backward()
            step += 1
            if step % accumulation_steps == 0:  # windows run on across epochs
                optimizer.step()
                optimizer.zero_grad()


def micro_step_loop(batches):
    for batch in batches:
        for micro_step in range(accumulation_steps):
            inputs, targets = batch[micro_step]
            loss = criterion(model(inputs), targets) / accumulation_steps
            loss.backward()
        optimizer.step()
        optimizer.zero_grad()
