# expect: nothing
import torch
from torch import nn

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
accumulation_steps = 4


def train(loader, epochs):
    for epoch in range(epochs):
        for i, (inputs, targets) in enumerate(loader):
            # The window's own size: the last one may be short.
            window = min(accumulation_steps, len(loader) - i // accumulation_steps * accumulation_steps)
            loss = criterion(model(inputs), targets) / window
            loss.backward()
            if (i + 1) % accumulation_steps == 0 or (i + 1) == len(loader):
                optimizer.step()
                optimizer.zero_grad()

