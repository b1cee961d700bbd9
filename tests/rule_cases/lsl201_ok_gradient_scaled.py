# expect: nothing
import torch
import torch.nn.functional as F

accumulation_steps = 4
model = torch.nn.Linear(10, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)


def train_mul(loader):
    for i, (x, y) in enumerate(loader):
        F.cross_entropy(model(x), y).backward()
        if (i + 1) % accumulation_steps == 0:
            for p in model.parameters():
                p.grad.mul_(1.0 / accumulation_steps)
            opt.step()
            opt.zero_grad()


def train_div(loader):
    for i, (x, y) in enumerate(loader):
        F.cross_entropy(model(x), y).backward()
        if (i + 1) % accumulation_steps == 0:
            for p in model.parameters():
                p.grad.div_(accumulation_steps)
            opt.step()
            opt.zero_grad()


def train_data_mul(loader):
    for i, (x, y) in enumerate(loader):
        F.cross_entropy(model(x), y).backward()
        if (i + 1) % accumulation_steps == 0:
            for p in model.parameters():
                p.grad.data.mul_(1 / accumulation_steps)
            opt.step()
            opt.zero_grad()


def train_foreach(loader):
    for i, (x, y) in enumerate(loader):
        F.cross_entropy(model(x), y).backward()
        if (i + 1) % accumulation_steps == 0:
            grads = [p.grad for p in model.parameters() if p.grad is not None]
            torch._foreach_div_(grads, accumulation_steps)
            opt.step()
            opt.zero_grad()


def train_manual_update(loader, lr):
    for i, (x, y) in enumerate(loader):
        F.cross_entropy(model(x), y).backward()
        if (i + 1) % accumulation_steps == 0:
            with torch.no_grad():
                for p in model.parameters():
                    p.grad /= accumulation_steps
                    p -= lr * p.grad
                    p.grad = None
