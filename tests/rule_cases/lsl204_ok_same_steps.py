# expect: nothing
import argparse

import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--accumulation-steps", type=int, default=4)
args = parser.parse_args()

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def train(loader):
    accumulation_steps = args.accumulation_steps  # an alias of the same setting
    for i, (inputs, targets) in enumerate(loader):
        loss = criterion(model(inputs), targets) / accumulation_steps
        loss.backward()
        if (i + 1) % args.accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()


def finetune(loader, grad_accum):
    # A parameter and a literal: they may well be equal when called, so nothing is said.
    for i, (inputs, targets) in enumerate(loader):
        loss = criterion(model(inputs), targets) / grad_accum
        loss.backward()
        if (i + 1) % 4 == 0:
            optimizer.step()
            optimizer.zero_grad()


def evaluate_with(loader, accumulation_steps=2):
    # A parameter with a default: the caller may pass args.update_freq.
    for i, (inputs, targets) in enumerate(loader):
        loss = criterion(model(inputs), targets) / accumulation_steps
        loss.backward()
        if (i + 1) % args.accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
