# expect: nothing
# The from-scratch style of the textbooks: a summed loss, and an SGD helper that divides the step
# by the batch size itself, reached through aliases (`objective = squared_error`).
import torch


def squared_error(pred, target):
    return (pred - target.reshape(pred.shape)) ** 2 / 2


def linear(x, w, b):
    return x @ w + b


def minibatch_sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr, batch_size = 0.03, 10
model = linear
objective = squared_error

for epoch in range(3):
    for X, y in minibatches(batch_size, features, labels):
        l = objective(model(X, w, b), y)
        l.sum().backward()
        minibatch_sgd([w, b], lr, batch_size)
