# expect: nothing
import torch
from torch import nn

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def l2_over_parameters(loader):
    for x, y in loader:
        # A parameter penalty: the same whatever the batch size.
        loss = criterion(model(x), y) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def l1_on_one_weight(loader):
    for x, y in loader:
        loss = criterion(model(x), y) + 1e-4 * model.weight.abs().sum()  # weights, not the batch
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def activation_mean(loader):
    for x, y in loader:
        outputs = model(x)
        loss = criterion(outputs, y) + 1e-2 * outputs.abs().mean()  # a mean, like the data term
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def activation_sum_per_sample(loader):
    for x, y in loader:
        outputs = model(x)
        loss = criterion(outputs, y) + 1e-2 * outputs.abs().sum() / x.size(0)  # per sample
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def both_summed(loader):
    summed = nn.CrossEntropyLoss(reduction="sum")
    for x, y in loader:
        outputs = model(x)
        # Both grow as B: their balance does not change (the sum itself is LSL101's business).
        loss = summed(outputs, y) + 1e-2 * outputs.abs().sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
