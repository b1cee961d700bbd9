# expect: LSL104@20
# A batcher written by hand over a shuffled index: `range(0, n, B)` keeps a short last slice, and
# the summed loss is divided by B for it too.
import torch
import torch.nn.functional as F

batch_size = 64
net = torch.nn.Linear(32, 4)
opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=0.0)


def fit(inputs, labels, epochs=10):
    n = inputs.shape[0]
    for _ in range(epochs):
        order = torch.randperm(n)
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            xb, yb = inputs[idx], labels[idx]
            opt.zero_grad()
            loss = F.cross_entropy(net(xb), yb, reduction="sum") / batch_size
            loss.backward()
            opt.step()
