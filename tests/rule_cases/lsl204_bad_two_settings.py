# expect: LSL204@19, LSL204@30
import argparse

import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--accumulation-steps", type=int, default=4)
parser.add_argument("--update-freq", type=int, default=4)
args = parser.parse_args()

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def train(loader):
    for i, (inputs, targets) in enumerate(loader):
        loss = criterion(model(inputs), targets) / args.accumulation_steps
        loss.backward()
        if (i + 1) % args.update_freq == 0:
            optimizer.step()
            optimizer.zero_grad()


def finetune(loader):
    accumulation_steps = 2
    for i, (inputs, targets) in enumerate(loader):
        loss = criterion(model(inputs), targets)
        (loss / accumulation_steps).backward()
        if (i + 1) % 8 == 0:
            optimizer.step()
            optimizer.zero_grad()
