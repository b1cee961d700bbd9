# expect: LSL104@22
# Samples are scored one at a time and added up, then divided by the configured group size; the
# last group the slicing makes is shorter, so its samples count for less.
import torch
import torch.nn as nn

GROUP = 16

scorer = nn.Sequential(nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 3))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(scorer.parameters(), lr=1e-3)


def train_epoch(examples):
    for start in range(0, len(examples), GROUP):
        group = examples[start:start + GROUP]
        total = 0
        for features, label in group:
            logits = scorer(features.unsqueeze(0))
            total += criterion(logits, label.unsqueeze(0))
        optimizer.zero_grad()
        (total / GROUP).backward()
        optimizer.step()
