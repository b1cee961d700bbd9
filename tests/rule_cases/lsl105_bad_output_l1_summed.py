# expect: LSL105@14, LSL105@25
import torch
from torch import nn

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def train(loader):
    for x, y in loader:
        outputs = model(x)
        # Summed over the batch: 1e-2 * B * mean|output| beside a mean cross-entropy.
        loss = criterion(outputs, y) + 1e-2 * outputs.abs().sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def activation_penalty(loader, lam=1e-3):
    for x, y in loader:
        hidden = torch.relu(model(x))
        loss = criterion(hidden, y)
        # An activation L2 summed over every sample of the batch.
        loss = loss + lam * torch.sum(hidden ** 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
