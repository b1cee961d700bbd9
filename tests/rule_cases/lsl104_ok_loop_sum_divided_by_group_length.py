# expect: nothing
# The same per-sample loop, divided by the length of the group it actually ran over.
import torch
import torch.nn as nn

GROUP = 16

scorer = nn.Sequential(nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 3))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(scorer.parameters(), lr=0.05)


def train_epoch(examples):
    for start in range(0, len(examples), GROUP):
        group = examples[start:start + GROUP]
        total = 0
        for features, label in group:
            total += criterion(scorer(features.unsqueeze(0)), label.unsqueeze(0))
        optimizer.zero_grad()
        (total / len(group)).backward()
        optimizer.step()
