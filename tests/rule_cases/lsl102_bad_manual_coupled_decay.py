# expect: LSL101@8, LSL102@8
import torch
import torch.nn as nn

lr = 0.01
weight_decay = 5e-4
model = nn.Linear(20, 5)
criterion = nn.CrossEntropyLoss(reduction="sum")


def train(loader):
    for x, y in loader:
        model.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        for p in model.parameters():
            p.data -= lr * (p.grad + weight_decay * p.data)
