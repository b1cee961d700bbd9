# expect: nothing
import argparse

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--accumulate", type=int, default=1, dest="accum")
args = parser.parse_args()

net = nn.Linear(12, 5)
sgd = torch.optim.SGD(net.parameters(), lr=0.05)
ce = nn.CrossEntropyLoss()


def fit(batches):
    for it, (inputs, targets) in enumerate(batches):
        logits = net(inputs)
        loss = ce(logits, targets) / args.accum
        loss.backward()
        if (it + 1) % args.accum == 0:
            sgd.step()
            sgd.zero_grad()
