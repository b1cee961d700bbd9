# expect: nothing
import torch
import torch.nn as nn

lr, eps, beta = 1e-3, 1e-8, 0.999
model = nn.Linear(20, 5)
criterion = nn.CrossEntropyLoss(reduction="sum")
state = {p: (torch.zeros_like(p), torch.zeros_like(p)) for p in model.parameters()}


def train_adam_like(loader):
    # A hand-written Adam-like rule normalises the gradient: not plain SGD.
    for x, y in loader:
        model.zero_grad()
        criterion(model(x), y).backward()
        for p in model.parameters():
            m, v = state[p]
            m.mul_(0.9).add_(p.grad, alpha=0.1)
            v.mul_(beta).addcmul_(p.grad, p.grad, value=1 - beta)
            p.data -= lr * m / (v.sqrt() + eps)


def train_rmsprop_like(loader):
    for x, y in loader:
        model.zero_grad()
        criterion(model(x), y).backward()
        for p in model.parameters():
            m, v = state[p]
            p.data -= lr / (v.sqrt() + eps) * p.grad


def train_ascent(loader):
    # Not a descent step on this parameter: another tensor's gradient, and a positive alpha.
    other = torch.zeros(5)
    for x, y in loader:
        model.zero_grad()
        criterion(model(x), y).backward()
        for p in model.parameters():
            p.data -= lr * other.grad
            p.data.add_(p.grad, alpha=lr)
