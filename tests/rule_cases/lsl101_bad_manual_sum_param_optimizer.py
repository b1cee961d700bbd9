# expect: LSL101@9
import torch


def train(model, loader, optimizer):
    for x, y in loader:
        pred = model(x)
        optimizer.zero_grad()
        loss = (pred - y).pow(2).sum()
        loss.backward()
        optimizer.step()


def main():
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
    train(model, [], optimizer)
