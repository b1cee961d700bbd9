# expect: LSL102@11, LSL102@12, LSL102@13
# Weight penalties computed out of sight: a generator over the parameters, a method of the model
# named like a penalty, and a helper that takes the model. None grows with the batch, while the
# summed data terms do.
import torch
import torch.nn as nn

from regularizers import l2_penalty

regressor = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1))
generator_sum = nn.MSELoss(reduction="sum")
method_sum = nn.L1Loss(reduction="sum")
helper_sum = nn.SmoothL1Loss(reduction="sum")
opt = torch.optim.Adam(regressor.parameters(), lr=3e-4)


def with_generator(x, y, lam=1e-4):
    loss = generator_sum(regressor(x), y) + lam * sum(w.pow(2).sum() for w in regressor.parameters())
    loss.backward()
    opt.step()


def with_method(x, y, lam=1e-4):
    loss = method_sum(regressor(x), y) + lam * regressor.weight_penalty()
    loss.backward()
    opt.step()


def with_helper(x, y, lam=1e-4):
    loss = helper_sum(regressor(x), y) + lam * l2_penalty(regressor)
    loss.backward()
    opt.step()
