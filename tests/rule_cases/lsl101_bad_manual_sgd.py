# expect: LSL101@7, LSL101@8, LSL101@9, LSL101@10
import torch
import torch.nn as nn

learning_rate = 0.01
model = nn.Linear(20, 5)
data_update = nn.CrossEntropyLoss(reduction="sum")
no_grad_update = nn.MSELoss(reduction="sum")
add_update = nn.L1Loss(reduction="sum")
data_add_update = nn.SmoothL1Loss(reduction="sum")


def train_data(loader, lr):
    for x, y in loader:
        model.zero_grad()
        data_update(model(x), y).backward()
        for p in model.parameters():
            p.data -= lr * p.grad


def train_no_grad(loader, w):
    for x, y in loader:
        loss = no_grad_update(x @ w, y)
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            w.grad.zero_()


def train_add(loader, lr):
    for x, y in loader:
        loss = add_update(model(x), y)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p.add_(p.grad, alpha=-lr)


def train_data_add(loader, lr):
    for x, y in loader:
        loss = data_add_update(model(x), y)
        loss.backward()
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
