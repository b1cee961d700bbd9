# expect: LSL201@16
import torch
import torch.nn as nn

accumulation_steps = 4
model = nn.Linear(10, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.CrossEntropyLoss()
scaler = torch.amp.GradScaler()


def train(loader):
    for i, (x, y) in enumerate(loader):
        with torch.autocast("cpu"):
            loss = criterion(model(x), y)
        scaler.scale(loss).backward()
        if (i + 1) % accumulation_steps == 0:
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad()
