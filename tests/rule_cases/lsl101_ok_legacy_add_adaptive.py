# expect: nothing
# A hand-written Adam in the old overload: `add_(-step_size, exp_avg / denom)` moves along the
# moment estimate, not the gradient, so it is not plain SGD and a summed loss cancels in it.
import math

import torch.nn as nn

net = nn.Linear(8, 2)
summed = nn.MSELoss(reduction="sum")
state = {}


def epoch(loader, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    for t, (x, y) in enumerate(loader, start=1):
        net.zero_grad()
        summed(net(x), y).backward()
        for p in net.parameters():
            exp_avg, exp_avg_sq = state[p]
            exp_avg.mul_(beta1).add_(1 - beta1, p.grad.data)
            exp_avg_sq.mul_(beta2).addcmul_(1 - beta2, p.grad.data, p.grad.data)
            denom = exp_avg_sq.sqrt().add_(eps)
            step_size = lr * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
            p.data.add_(-step_size, exp_avg / denom)
