# expect: LSL201@16, LSL201@28, LSL201@43, LSL201@53
import torch
import torch.nn.functional as F

accumulation_steps = 4
world_size = 8
model = torch.nn.Linear(10, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
params = list(model.parameters())


def train_unrelated_factor(loader):
    # Dividing by the world size (or halving) is not the division by K.
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            for p in model.parameters():
                p.grad.div_(world_size)
                p.grad.mul_(0.5)
            opt.step()
            opt.zero_grad()


def train_scaled_in_evaluation(loader):
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            opt.step()
            opt.zero_grad()


def evaluate(loader):
    # Scaling gradients here does not touch the training loop's update.
    for p in model.parameters():
        p.grad.div_(accumulation_steps)


def train_foreach_not_gradients(loader):
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            torch._foreach_div_(params, accumulation_steps)
            opt.step()
            opt.zero_grad()


def train_manual_update(loader, lr):
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            with torch.no_grad():
                for p in model.parameters():
                    p -= lr * p.grad
                    p.grad = None
