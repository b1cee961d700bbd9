# expect: LSL402@18, LSL402@33
import torch
from torch import nn

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler("cpu")
accumulation_steps = 4


def train(loader, max_grad_norm=1.0):
    for inputs, targets in loader:
        optimizer.zero_grad()
        with torch.autocast("cpu"):
            loss = criterion(model(inputs), targets)
        scaler.scale(loss).backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        scaler.step(optimizer)
        scaler.update()


class Trainer:
    def __init__(self):
        self.scaler = torch.amp.GradScaler("cpu")

    def fit(self, loader):
        for i, (inputs, targets) in enumerate(loader):
            with torch.autocast("cpu"):
                loss = criterion(model(inputs), targets) / accumulation_steps
            self.scaler.scale(loss).backward()
            if (i + 1) % accumulation_steps == 0:
                total_norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                self.scaler.step(optimizer)
                self.scaler.update()
                optimizer.zero_grad()
