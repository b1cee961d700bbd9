# expect: LSL101@7, LSL101@8, LSL401@7
# Updates in the overloads older code uses: `add_(-lr, grad)` (deprecated since torch 1.5) and
# `sub_(lr * grad)`: both plain SGD, so a summed loss makes each step grow with the batch.
import torch.nn as nn

net = nn.Linear(8, 2)
old_style = nn.CrossEntropyLoss(size_average=False)
product_style = nn.MSELoss(reduction="sum")


def epoch_old(loader, lr=0.1):
    for x, y in loader:
        net.zero_grad()
        old_style(net(x), y).backward()
        for p in net.parameters():
            p.data.add_(-lr, p.grad.data)


def epoch_product(loader, lr=0.1):
    for x, y in loader:
        net.zero_grad()
        product_style(net(x), y).backward()
        for p in net.parameters():
            p.data.sub_(lr * p.grad.data)
