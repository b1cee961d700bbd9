# expect: nothing
import torch
import torch.nn.functional as F

K = 4
model = torch.nn.Linear(8, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.1)

for step, chunk in enumerate([]):
    losses = []
    for x, y in chunk:
        l = F.cross_entropy(model(x), y)
        l = l / K
        losses.append(l)
    total = sum(losses)
    total.backward()
    if step % K == K - 1:
        opt.step()
        opt.zero_grad()
