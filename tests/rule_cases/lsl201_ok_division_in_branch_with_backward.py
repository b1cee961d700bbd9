# expect: nothing
import torch
import torch.nn.functional as F

K = 4
model = torch.nn.Linear(12, 5)
opt = torch.optim.SGD(model.parameters(), lr=0.1)

for it, (x, y) in enumerate([]):
    if it % 2 == 0:  # the division and the backward share the branch
        loss = F.cross_entropy(model(x), y)
        loss = loss / K
        loss.backward()
    if (it + 1) % K == 0:
        opt.step()
        opt.zero_grad()
