# expect: nothing
# The range stops before a short slice could start: every batch holds exactly batch_size samples,
# so dividing the summed loss by batch_size is exact.
import torch
import torch.nn.functional as F

batch_size = 64
net = torch.nn.Linear(32, 4)
opt = torch.optim.Adam(net.parameters(), lr=1e-3)


def fit(inputs, labels):
    for i in range(0, len(inputs) - batch_size + 1, batch_size):
        xb, yb = inputs[i:i + batch_size], labels[i:i + batch_size]
        opt.zero_grad()
        loss = F.cross_entropy(net(xb), yb, reduction="sum") / batch_size
        loss.backward()
        opt.step()
