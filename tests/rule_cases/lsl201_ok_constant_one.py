# expect: nothing
# A constant of 1 that is never overridden: the guard steps every iteration, nothing accumulates.
import torch
import torch.nn as nn

ACCUM = 1
net = nn.Linear(12, 5)
sgd = torch.optim.SGD(net.parameters(), lr=0.05)
ce = nn.CrossEntropyLoss()


def fit(batches):
    for it, (inputs, targets) in enumerate(batches):
        loss = ce(net(inputs), targets)
        loss.backward()
        if (it + 1) % ACCUM == 0:
            sgd.step()
            sgd.zero_grad()
