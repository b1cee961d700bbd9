# expect: nothing
import torch
import torch.nn.functional as F

accumulation_steps = 4


def train(model, loader):
    # A manual guard around a plain optimizer's step: ordinary accumulation, not a DeepSpeed engine.
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y) / accumulation_steps
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
