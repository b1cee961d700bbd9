# expect: LSL101@23, LSL102@23
# The update lives in a helper the loop calls: the helper's `lr` and `wd` are what the caller
# passes, and nothing in it divides by the batch size.
import torch

BATCH = 32


def squared_error(pred, target):
    return (pred - target) ** 2


def descend(tensors, lr, wd):
    with torch.no_grad():
        for t in tensors:
            t -= lr * (t.grad + wd * t)
            t.grad.zero_()


def fit(features, labels, weight, bias, step=0.05):
    for start in range(0, len(features), BATCH):
        x, y = features[start:start + BATCH], labels[start:start + BATCH]
        squared_error(x @ weight + bias, y).sum().backward()
        descend([weight, bias], step, 1e-4)
